/**
 * Two replicas during a Redis outage: without Redis there is no lock between them, so each contains
 * the drain directly. The guardian's mined nonce is the fence: both sign the same pause tx at the
 * same nonce, and the chain gets exactly one. When Redis is back both spools are replayed into one
 * incident.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWarden, type Warden } from '../../src/daemon.js';
import { drillAccounts } from '../../src/drill/accounts.js';
import type { DrainAttackResult } from '../../src/drill/attack.js';
import { startRedisServer } from '../../src/drill/processes.js';
import { spoolDirOf } from '../../src/outage/handling.js';
import { createLogger } from '../../src/log.js';
import { drainWorld, eventually, startWorld, type World } from './world.js';

describe('two replicas, Redis down during the attack', () => {
  const redisDir = mkdtempSync(join(tmpdir(), 'warden-redis-'));
  const spoolDirs = [mkdtempSync(join(tmpdir(), 'warden-spool-a-')), mkdtempSync(join(tmpdir(), 'warden-spool-b-'))];
  let world: World;
  let second: Warden;
  let secondLogs = '';
  let attack: DrainAttackResult;

  beforeAll(async () => {
    world = await startWorld({ blockTime: 1, redisDir, spoolDir: spoolDirs[0] });
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => (secondLogs += chunk.toString()));
    const { loaded } = world;
    second = createWarden({
      loaded: { ...loaded, config: { ...loaded.config, redis: { ...loaded.config.redis, spoolDir: spoolDirs[1] } } },
      env: { ...process.env, WARDEN_GUARDIAN_KEY: drillAccounts.guardian.key },
      log: createLogger({ level: 'debug', pretty: false, destination: sink }),
    });
    await second.start();
    await world.redis.stop();
    const outageStart = Number(await world.client.getBlockNumber());
    const following = (warden: Warden) => (warden.chains()[0]?.tip?.number ?? 0) >= outageStart + 1;
    await eventually(async () => (following(world.warden) && following(second) ? true : undefined), 20_000, 'both replicas following during the outage');
    attack = await drainWorld(world);
    await eventually(async () => ((await world.paused()) ? true : undefined), 20_000, 'the vault paused');
    // A few blocks, so a second pause tx (if any) would have been mined.
    const pausedAt = Number(await world.client.getBlockNumber());
    await eventually(async () => (Number(await world.client.getBlockNumber()) >= pausedAt + 3 ? true : undefined), 20_000, 'three more blocks');
    world.redis = await startRedisServer({ port: world.redis.port, dir: redisDir });
  }, 120_000);

  afterAll(async () => {
    await second?.stop();
    await world?.stop();
    await world?.redis.stop();
    for (const dir of [redisDir, ...spoolDirs]) rmSync(dir, { recursive: true, force: true });
  });

  it('both contained directly, and the chain got exactly one pause tx', async () => {
    const direct = 'Redis unreachable: containing directly, without the queue';
    expect(world.logs()).toContain(direct);
    expect(secondLogs).toContain(direct);
    expect(await world.guardianNonce()).toBe(1);
    const receipt = await world.client.getTransactionReceipt({
      hash: (await world.client.getBlock({ blockNumber: BigInt(attack.exploitBlock! + 1), includeTransactions: true })).transactions.find(
        (tx) => typeof tx !== 'string' && tx.from.toLowerCase() === drillAccounts.guardian.address.toLowerCase(),
      )!.hash,
    });
    expect(receipt.status).toBe('success');
  });

  it('replays both spools into one contained incident with one broadcast', async () => {
    const incident = await eventually(async () => {
      const [summary] = await world.warden.incidents.list({ limit: 5 });
      const found = summary && (await world.warden.incidents.get(summary.id));
      return found?.status === 'contained' && found.timeline.some((entry) => entry.type === 'verified-paused') ? found : undefined;
    }, 30_000, 'the replayed incident');
    const { keyPrefix, url } = world.loaded.config.redis;
    const spools = spoolDirs.map((spoolDir) => spoolDirOf({ spoolDir, keyPrefix, redisUrl: url }));
    await eventually(async () => (spools.every((dir) => !existsSync(dir) || readdirSync(dir).length === 0) ? true : undefined), 30_000, 'both spools replayed');
    expect(await world.warden.incidents.list({ limit: 10 })).toHaveLength(1);
    const broadcasts = incident.timeline.filter((entry) => entry.type === 'tx-broadcast').map((entry) => entry.data.txHash);
    expect(new Set(broadcasts).size).toBe(1);
  });
});
