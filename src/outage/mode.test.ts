/**
 * The outage mode and the replay against a real redis-server that is stopped and started again
 * (with its data, as a production Redis with appendonly would be).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAnomaly } from '../../responders/test/anomaly-fixture.js';
import { pauseRecordKey, type PauseRecord } from '../../responders/pause-record.js';
import { createCheckpointStore, type CheckpointStore } from '../chain/checkpoint.js';
import { loadEdited } from '../config/test-helpers.js';
import { startRedisServer, type ManagedProcess } from '../drill/processes.js';
import { createIncidentStore } from '../incidents/store.js';
import { timelineEntry } from '../incidents/types.js';
import type { Anomaly } from '../../detectors/types.js';
import { createOutageMode, type OutageMode } from './mode.js';
import { createSpoolReplayer, offlineIncidentId } from './replay.js';
import { createSpool, type SpoolEntry } from './spool.js';

const log = pino({ level: 'silent' });
const keyPrefix = 'outage';
const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as const;

describe('outage mode', () => {
  const redisDir = mkdtempSync(join(tmpdir(), 'outage-redis-'));
  const spoolDir = mkdtempSync(join(tmpdir(), 'outage-spool-'));
  let server: ManagedProcess;
  let redis: Redis;
  let checkpoint: CheckpointStore;
  let mode: OutageMode;
  const enqueued: Anomaly[][] = [];
  const loaded = loadEdited(() => {});
  const apply = (entries: SpoolEntry[]) =>
    createSpoolReplayer({
      redis,
      keyPrefix,
      checkpoints: new Map([[31337, checkpoint]]),
      incidents: createIncidentStore({ redis, keyPrefix }),
      enqueue: async (anomalies) => void enqueued.push(anomalies),
      current: () => loaded,
      log,
    })(entries);

  beforeAll(async () => {
    server = await startRedisServer({ dir: redisDir });
    redis = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    redis.on('error', () => {});
    checkpoint = createCheckpointStore({ redis, keyPrefix, chainId: 31337 });
    mode = createOutageMode({ redis, spool: createSpool({ dir: spoolDir }), apply, log, retryMs: 200, timeoutMs: 1_000 });
  });
  afterAll(async () => {
    mode?.close();
    redis?.disconnect();
    await server?.stop();
    rmSync(redisDir, { recursive: true, force: true });
    rmSync(spoolDir, { recursive: true, force: true });
  });

  const write = (n: number) => mode.write({ kind: 'checkpoint', chainId: 31337, block: { number: n, hash: hash(n) } }, () => checkpoint.set({ number: n, hash: hash(n) }));

  it('writes to Redis while it answers, and throws real errors instead of spooling them', async () => {
    expect(await write(1)).toBe('redis');
    expect(await checkpoint.get()).toEqual({ number: 1, hash: hash(1) });
    await expect(mode.write({ kind: 'checkpoint', chainId: 31337, block: { number: 9, hash: hash(9) } }, () => Promise.reject(new Error('WRONGTYPE')))).rejects.toThrow('WRONGTYPE');
    expect(mode.spooling()).toBe(false);
  });

  it('spools while Redis is down, keeps spooling until replayed, then writes to Redis again', async () => {
    await server.stop();
    expect(await write(2)).toBe('spool');
    expect(mode.spooling()).toBe(true);
    expect(await write(3)).toBe('spool');
    expect(mode.status().spool.entries).toBe(2);
    server = await startRedisServer({ port: server.port, dir: redisDir });
    await waitFor(() => !mode.spooling());
    expect(await checkpoint.get()).toEqual({ number: 3, hash: hash(3) });
    expect(mode.status().spool.entries).toBe(0);
    expect(await write(4)).toBe('redis');
    // A spool replayed late (another replica went on meanwhile) never moves the checkpoint back.
    await apply([{ kind: 'checkpoint', chainId: 31337, block: { number: 2, hash: hash(2) } }]);
    expect(await checkpoint.get()).toEqual({ number: 4, hash: hash(4) });
  });

  it('replays a contained anomaly into one incident, twice without duplicates, and never moves a pause record back', async () => {
    const anomaly = makeAnomaly({ detectorId: loaded.config.detectors[0]!.id, chainId: 31337 });
    const target = { address: '0x00000000000000000000000000000000000000aa', selector: '0x8456cb59' } as const;
    const recordKey = pauseRecordKey({ keyPrefix, chainId: 31337, ...target });
    const record = (status: PauseRecord['status'], txHashes: `0x${string}`[]): PauseRecord => ({
      targetId: 't',
      chainId: 31337,
      ...target,
      incidentId: offlineIncidentId(anomaly.id),
      nonce: 0,
      txHashes,
      rawTx: '0x',
      maxFeePerGas: '1',
      maxPriorityFeePerGas: '1',
      sentAtBlock: 1,
      status,
      updatedAt: 0,
    });
    const entries: SpoolEntry[] = [
      { kind: 'contain-started', anomaly },
      { kind: 'pause-record', anomalyId: anomaly.id, recordKey, record: record('pending', [hash(100)]) },
      { kind: 'timeline', anomalyId: anomaly.id, entry: timelineEntry('tx-broadcast', { txHash: hash(100) }), onceKey: `tx-broadcast:${hash(100)}` },
      { kind: 'pause-record', anomalyId: anomaly.id, recordKey, record: { ...record('mined', [hash(100)]), verified: true } },
      { kind: 'contained', anomalyId: anomaly.id },
      { kind: 'anomalies', chainId: 31337, anomalies: [anomaly] },
    ];
    await apply(entries);
    await apply(entries); // a replay cut short and run again
    // An older version of the record replayed late does not win.
    await apply([{ kind: 'pause-record', anomalyId: anomaly.id, recordKey, record: record('pending', [hash(100)]) }]);

    const incidents = createIncidentStore({ redis, keyPrefix });
    const incidentId = await incidents.incidentForAnomaly(anomaly.id);
    const incident = (await incidents.get(incidentId!))!;
    expect(incident.status).toBe('contained');
    expect(incident.anomalyIds).toEqual([anomaly.id]);
    const types = incident.timeline.map((entry) => entry.type);
    expect(types.filter((type) => type === 'tx-broadcast')).toHaveLength(1);
    expect(types.filter((type) => type === 'spool-replayed')).toHaveLength(1);
    const stored = JSON.parse((await redis.get(recordKey))!) as PauseRecord;
    expect(stored).toMatchObject({ status: 'mined', verified: true, incidentId });
    expect(enqueued.flat().map((queued) => queued.id)).toEqual([anomaly.id, anomaly.id]); // the queue dedupes by job id
  });
});

async function waitFor(predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
