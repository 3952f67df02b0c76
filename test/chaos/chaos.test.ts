/**
 * The short chaos run (the long one is `npm run chaos`, docs/chaos.md): two `warden run` replicas, 150
 * blocks behind the fault proxy with 5% RPC errors, 2% reorgs of depth 1–3, socket drops, two SIGKILLs
 * (one during a response) with restarts, one Redis restart and two drains, the second while Redis is
 * down (contained directly, spooled, replayed). Targets: no canonical block missed, none committed twice by one replica
 * lineage, no second pause tx, every exploit contained, no replica crashing by itself.
 *
 * Its response kill falls at detection. The last test kills the replica as it broadcasts the pause: the
 * dead replica's anomaly job is re-delivered ~16 s later, after people unpaused and resolved, and must
 * not pause again (it did, before the plan runner skipped jobs of resolved incidents).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChaos, type ChaosOptions } from './chaos-run.js';
import type { ChaosReport } from './report.js';

const shortRun: Omit<ChaosOptions, 'dir'> = {
  blocks: 150,
  seed: 7,
  kills: 2,
  responseKills: 1,
  responseKillMoments: ['detected'],
  exploits: 2,
  blockTime: 0.5,
  rpcErrorRate: 0.05,
  reorgRate: 0.02,
  wsDropEvery: 50,
  redisRestarts: 1,
  redisDownMs: 3_000,
  exploitDuringRedisOutage: true,
};

describe('chaos run (short)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-chaos-'));
  let report: ChaosReport;

  beforeAll(async () => {
    report = await runChaos({ ...shortRun, dir });
  }, 480_000);
  afterAll(() => {
    // Kept when something failed: the replicas' logs are the evidence.
    if (report?.summary.targetsMet) rmSync(dir, { recursive: true, force: true });
  });

  it('ran every fault it promises (else the targets below would say nothing)', () => {
    expect(report.kills).toHaveLength(2);
    expect(report.kills.filter((kill) => kill.moment !== 'random')).toHaveLength(1);
    expect(report.kills.every((kill) => kill.restartedAtBlock !== undefined)).toBe(true);
    expect(report.redisRestarts).toHaveLength(1);
    expect(report.exploits).toHaveLength(2);
    // One attack comes while Redis is down (contained directly, spooled, replayed).
    expect(report.exploits.filter((exploit) => exploit.duringRedisOutage)).toHaveLength(1);
    expect(report.reorgs.count).toBeGreaterThan(0);
    expect(report.wsDrops.length).toBeGreaterThan(0);
    expect(report.injectedFaults.rpcError).toBeGreaterThan(0);
    expect(report.summary.canonicalBlocks).toBeGreaterThanOrEqual(150);
  });

  it('processed every canonical block, none twice in a replica lineage', () => {
    expect(report.missed, `logs in ${dir}`).toEqual([]);
    expect(report.duplicates, `logs in ${dir}`).toEqual([]);
  });

  it('contained every exploit with exactly one pause tx each', () => {
    expect(report.exploits.map((exploit) => exploit.contained), JSON.stringify(report.exploits)).toEqual([true, true]);
    expect(report.summary.duplicatePauseTxs).toBe(0);
    expect(report.summary.unexpectedPauseTxs).toBe(0);
    expect(report.otherGuardianTxs).toEqual([]);
  });

  it('no replica exited unless killed', () => {
    expect(report.crashes).toEqual([]);
  });
});

describe('chaos run: a replica killed at the pause broadcast', () => {
  it('its job, delivered again after people unpaused and resolved, sends no second pause', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-chaos-'));
    const report = await runChaos({ ...shortRun, responseKillMoments: ['broadcast'], redisRestarts: 0, dir });
    expect(report.kills.filter((kill) => kill.moment.startsWith('broadcast'))).toHaveLength(1);
    expect(report.pauseTxs, `logs in ${dir}`).toHaveLength(2);
    expect(report.summary.duplicatePauseTxs).toBe(0);
  }, 480_000);
});
