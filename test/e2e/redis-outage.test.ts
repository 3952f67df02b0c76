/**
 * A Redis outage in the middle of an attack (issue 6): Redis is killed, warden keeps following and
 * detecting, contains the drain directly (no queue), spools what was meant for Redis, reports
 * `degraded` on /readyz; Redis comes back with its data, the spool is replayed with no duplicates:
 * one incident with the whole containment in its timeline, the checkpoint at the tip, one pause tx,
 * and every block of the outage processed exactly once.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drillAccounts } from '../../src/drill/accounts.js';
import type { DrainAttackResult } from '../../src/drill/attack.js';
import { startRedisServer } from '../../src/drill/processes.js';
import { spoolDirOf } from '../../src/outage/handling.js';
import { drainWorld, eventually, startWorld, type World } from './world.js';

const processedBlocks = (logs: string) =>
  logs
    .split('\n')
    .filter((line) => line.includes('"block processed"'))
    .map((line) => JSON.parse(line) as { block: number; hash: string });

describe('Redis outage during an attack', () => {
  const redisDir = mkdtempSync(join(tmpdir(), 'warden-redis-'));
  const spoolDir = mkdtempSync(join(tmpdir(), 'warden-spool-'));
  let world: World;
  let attack: DrainAttackResult;
  let readyDuringOutage: { status: number; body: { status: string; checks: { name: string; ok: boolean; degraded?: boolean; detail: string }[] } };
  let metricsDuringOutage: string;
  let outageStartBlock: number;
  let blocksDuringOutage: number;

  beforeAll(async () => {
    world = await startWorld({ blockTime: 1, redisDir, spoolDir });
    await eventually(async () => ((world.warden.chains()[0]?.tip?.number ?? 0) >= 2 ? true : undefined), 20_000, 'a few blocks');
    await world.redis.stop();
    outageStartBlock = Number(await world.client.getBlockNumber());
    // Following goes on: blocks are processed (and spooled) while Redis is gone.
    await eventually(async () => ((world.warden.chains()[0]?.tip?.number ?? 0) >= outageStartBlock + 2 ? true : undefined), 20_000, 'blocks processed during the outage');
    attack = await drainWorld(world);
    await eventually(async () => ((await world.paused()) ? true : undefined), 20_000, 'the vault paused during the outage');
    const base = `http://${world.warden.healthAddress()}`;
    const ready = await fetch(`${base}/readyz`);
    readyDuringOutage = { status: ready.status, body: (await ready.json()) as typeof readyDuringOutage.body };
    metricsDuringOutage = await (await fetch(`${base}/metrics`)).text();
    blocksDuringOutage = (world.warden.chains()[0]?.tip?.number ?? 0) - outageStartBlock;
    // Redis comes back on the same port with its data (appendonly), as a restarted server would.
    world.redis = await startRedisServer({ port: world.redis.port, dir: redisDir });
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
    await world?.redis.stop(); // the restarted one (world.stop stops the first)
    rmSync(redisDir, { recursive: true, force: true });
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('contains the drain while Redis is down, in the block after the exploit, with one pause tx', async () => {
    expect(attack.exploitBlock).toBeDefined();
    expect(blocksDuringOutage).toBeGreaterThanOrEqual(2);
    expect(await world.guardianNonce()).toBe(1);
    const receipts = await Promise.all(
      Array.from({ length: 8 }, (_, offset) => world.client.getBlock({ blockNumber: BigInt(attack.exploitBlock! + offset), includeTransactions: true }).catch(() => undefined)),
    );
    const guardianTxs = receipts.flatMap((block) => block?.transactions.filter((tx) => typeof tx !== 'string' && tx.from.toLowerCase() === drillAccounts.guardian.address.toLowerCase()) ?? []);
    expect(guardianTxs).toHaveLength(1);
    expect(Number(guardianTxs[0]!.blockNumber)).toBe(attack.exploitBlock! + 1);
    // Contained by the direct path, not by a queue worker.
    expect(world.logs()).toContain('Redis unreachable: containing directly, without the queue');
  });

  it('reports degraded (still ready) on /readyz and the spool on /metrics while spooling', () => {
    expect(readyDuringOutage.status).toBe(200);
    expect(readyDuringOutage.body.status).toBe('degraded');
    const redisCheck = readyDuringOutage.body.checks.find((check) => check.name === 'redis');
    expect(redisCheck).toMatchObject({ ok: true, degraded: true });
    expect(redisCheck!.detail).toMatch(/unreachable.*entries spooled/);
    expect(metricsDuringOutage).toMatch(/^warden_redis_spooling 1$/m);
    const entries = Number(/^warden_spool_entries (\d+)$/m.exec(metricsDuringOutage)?.[1]);
    expect(entries).toBeGreaterThan(blocksDuringOutage); // a checkpoint per block, plus anomalies and the containment
  });

  it('replays the spool when Redis is back: one incident, contained, with its whole timeline', async () => {
    const incident = await eventually(async () => {
      const [summary] = await world.warden.incidents.list({ limit: 5 });
      const found = summary && (await world.warden.incidents.get(summary.id));
      return found?.timeline.some((entry) => entry.type === 'spool-replayed') && found.status === 'contained' ? found : undefined;
    }, 30_000, 'the replayed incident');
    expect(await world.warden.incidents.list({ limit: 10 })).toHaveLength(1);
    const types = incident.timeline.map((entry) => entry.type);
    expect(types.filter((type) => type === 'tx-broadcast')).toHaveLength(1);
    expect(types.filter((type) => type === 'tx-prepared')).toHaveLength(1);
    expect(types).toContain('verified-paused');
    expect(types).toContain('anomaly-detected');
    const mined = incident.timeline.find((entry) => entry.type === 'tx-mined');
    expect(Number(mined?.data.blockNumber)).toBe(attack.exploitBlock! + 1);
    // Each anomaly once in the incident, however often it was spooled and replayed.
    expect(new Set(incident.anomalyIds).size).toBe(incident.anomalyIds.length);
  });

  it('leaves no spool behind, the checkpoint at the tip, and every block processed exactly once', async () => {
    await eventually(async () => (!(await spoolFiles()).length ? true : undefined), 30_000, 'the spool drained');
    const redis = new Redis(world.redis.url);
    try {
      const tip = world.warden.chains()[0]!.tip!;
      const checkpoint = await eventually(async () => {
        const text = await redis.get(`${world.loaded.config.redis.keyPrefix}:chain:${world.loaded.config.chains[0]!.id}:checkpoint`);
        const value = text ? (JSON.parse(text) as { number: number; hash: string }) : undefined;
        return value && value.number >= tip.number ? value : undefined;
      }, 20_000, 'the checkpoint to reach the tip');
      expect(checkpoint.number).toBeGreaterThanOrEqual(tip.number);
      // One job per anomaly id, whether it went to the queue or through the spool.
      const jobs = (await redis.keys(`${world.loaded.config.redis.keyPrefix}:bull:anomalies:an_*`)).filter((key) => !/:an_[^:]+:/.test(key));
      expect(jobs.map((key) => key.split(':').at(-1)).sort()).toEqual([...new Set(world.anomalies.map((anomaly) => anomaly.id))].sort());
    } finally {
      redis.disconnect();
    }
    const processed = processedBlocks(world.logs());
    const numbers = processed.map((block) => block.block);
    expect(new Set(numbers).size).toBe(numbers.length);
    for (let number = numbers[0]!; number <= numbers.at(-1)!; number++) expect(numbers).toContain(number);
    for (const block of processed.slice(-5)) {
      expect((await world.client.getBlock({ blockNumber: BigInt(block.block) })).hash).toBe(block.hash);
    }
  });

  async function spoolFiles(): Promise<string[]> {
    try {
      return readdirSync(spoolDirOf({ spoolDir, keyPrefix: world.loaded.config.redis.keyPrefix, redisUrl: world.loaded.config.redis.url }));
    } catch {
      return [];
    }
  }
});
