/**
 * Offline pausers (Redis unreachable) of two replicas sharing one guardian, on a real anvil with
 * mining held back: the mined nonce is the fence, so the chain gets one pause tx — whether the two
 * sign the same bytes, or one priced its tx from a newer head and the node refuses the other's.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardianAccount, guardianConfig, startHarness, type Harness } from '../../responders/test/harness.js';
import type { TimelineEntry } from '../incidents/types.js';
import { createOutageMode, type OutageMode } from './mode.js';
import { createOfflinePauser } from './offline-pauser.js';
import { offlineIncidentId } from './replay.js';
import { createSpool, type SpoolEntry } from './spool.js';

describe('offline pausers of two replicas', () => {
  let h: Harness;
  const spoolDir = mkdtempSync(join(tmpdir(), 'offline-pauser-'));
  // Redis is down for these pausers: a client of a port nothing listens on.
  const deadRedis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  deadRedis.on('error', () => {});
  let mode: OutageMode;

  beforeAll(async () => {
    h = await startHarness();
    mode = createOutageMode({ redis: deadRedis, spool: createSpool({ dir: spoolDir }), apply: async () => Promise.reject(new Error('no Redis')), log: h.log, timeoutMs: 200 });
  }, 60_000);
  afterAll(async () => {
    mode?.close();
    deadRedis.disconnect();
    await h?.stop();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  const replica = (targets: ReturnType<Harness['targetsFor']>) =>
    createOfflinePauser({
      chain: h.chain,
      publicClient: h.client,
      account: guardianAccount,
      guardian: guardianConfig({ feeMultiplier: 2, priorityFee: 1n, replaceAfterBlocks: 3 }),
      targets,
      redis: deadRedis,
      keyPrefix: 'offline',
      log: h.log,
      pollIntervalMs: 25,
      mode,
      applyNow: async () => Promise.reject(new Error('no Redis')),
    })!;
  const recorder = () => {
    const entries: TimelineEntry[] = [];
    return { entries, record: async (entry: TimelineEntry) => void entries.push(entry) };
  };

  async function race(baseFees: [bigint, bigint]) {
    const vault = await h.deployPausable(guardianAccount.address);
    const targets = h.targetsFor(vault);
    const nonceBefore = await h.nonceOf(guardianAccount.address);
    const head = Number(await h.client.getBlockNumber());
    const [a, b] = [replica(targets), replica(targets)];
    a.observeHead({ number: head, baseFeePerGas: baseFees[0] });
    b.observeHead({ number: head, baseFeePerGas: baseFees[1] });
    await h.rpc('evm_setAutomine', [false]);
    const [ra, rb] = [recorder(), recorder()];
    const pausing = [
      a.pause({ targetId: 'pause-vault', incidentId: offlineIncidentId('an_a'), record: ra.record }),
      b.pause({ targetId: 'pause-vault', incidentId: offlineIncidentId('an_b'), record: rb.record }),
    ];
    // Both broadcast (or were refused) before anything is mined.
    const broadcast = (entries: TimelineEntry[]) => entries.some((entry) => entry.type === 'tx-broadcast' || entry.type === 'containment-failed');
    for (let i = 0; i < 200 && !(broadcast(ra.entries) && broadcast(rb.entries)); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    await h.rpc('evm_setAutomine', [true]);
    await h.rpc('evm_mine');
    const outcomes = await Promise.all(pausing);
    return { vault, nonceBefore, outcomes, entries: [ra.entries, rb.entries] };
  }

  it('sign the same tx from the same head: one pause tx, both see it paused', async () => {
    const { vault, nonceBefore, outcomes, entries } = await race([1_000_000_000n, 1_000_000_000n]);
    expect(await h.paused(vault)).toBe(true);
    expect(await h.nonceOf(guardianAccount.address)).toBe(nonceBefore + 1);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['paused', 'paused']);
    const hashes = entries.map((list) => list.find((entry) => entry.type === 'tx-broadcast')?.data.txHash);
    expect(hashes[0]).toBe(hashes[1]);
  });

  it('priced from different heads: the node keeps one, the other replica follows on and finds it contained, never failed', async () => {
    const { vault, nonceBefore, outcomes, entries } = await race([5_000_000_000n, 1_000_000_000n]);
    expect(await h.paused(vault)).toBe(true);
    expect(await h.nonceOf(guardianAccount.address)).toBe(nonceBefore + 1);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['already-contained', 'paused']);
    expect(entries.flat().filter((entry) => entry.type === 'containment-failed')).toEqual([]);
  });

  it('spools every pause record it writes, under its placeholder incident', () => {
    const [file] = readdirSync(spoolDir);
    const records = readFileSync(join(spoolDir, file!), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as SpoolEntry)
      .filter((entry): entry is Extract<SpoolEntry, { kind: 'pause-record' }> => entry.kind === 'pause-record');
    expect(records.length).toBeGreaterThanOrEqual(4);
    expect(new Set(records.map((entry) => entry.anomalyId))).toEqual(new Set(['an_a', 'an_b']));
    expect(records.some((entry) => entry.record.status === 'mined')).toBe(true);
  });
});
