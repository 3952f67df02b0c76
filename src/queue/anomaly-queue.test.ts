import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { UnrecoverableError } from 'bullmq';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Anomaly } from '../../detectors/types.js';
import { makeAnomaly } from '../../responders/test/anomaly-fixture.js';
import { startRedisServer, type ManagedProcess } from '../drill/processes.js';
import { createIncidentStore } from '../incidents/store.js';
import { anomalyRetrySchedule, createAnomalyQueue, createAnomalyWorker, retryDelayMs } from './anomaly-queue.js';

let server: ManagedProcess;
let redis: Redis;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

function waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (predicate()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error('timed out'));
      setTimeout(tick, 5);
    };
    tick();
  });
}

describe('anomaly queue', () => {
  it('handles two identical anomalies once', async () => {
    const queue = createAnomalyQueue({ redisUrl: server.url, keyPrefix: 'dedupe' });
    const handled: Anomaly[] = [];
    const worker = createAnomalyWorker({ redisUrl: server.url, keyPrefix: 'dedupe', log, handle: async (a) => void handled.push(a) });
    const anomaly = makeAnomaly();
    await queue.add([anomaly, { ...anomaly }]);
    await queue.add([{ ...anomaly }]); // a second replica detecting the same evidence
    await waitFor(() => handled.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await queue.add([{ ...anomaly }]); // after completion the kept job still blocks its id
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(handled.map((a) => a.id)).toEqual([anomaly.id]);
    expect(handled[0]).toEqual(anomaly);
    await worker.close();
    await queue.close();
  });

  it('retries a failing handler and waits for the job in flight on close', async () => {
    const queue = createAnomalyQueue({ redisUrl: server.url, keyPrefix: 'retry' });
    let attempts = 0;
    let finished = false;
    const worker = createAnomalyWorker({
      redisUrl: server.url,
      keyPrefix: 'retry',
      log,
      handle: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('transient');
        await new Promise((resolve) => setTimeout(resolve, 300));
        finished = true;
      },
    });
    await queue.add([makeAnomaly()]);
    await waitFor(() => attempts === 2);
    await worker.close();
    expect(finished).toBe(true);
    await queue.close();
  });

  it('keeps retrying for at least 30 minutes, backing off exponentially from 250 ms up to 30 s', () => {
    const delays = Array.from({ length: anomalyRetrySchedule.attempts - 1 }, (_, i) => retryDelayMs(i + 1));
    expect(delays.slice(0, 8)).toEqual([250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000]);
    expect(Math.max(...delays)).toBe(30_000);
    expect(delays.reduce((sum, delay) => sum + delay, 0)).toBeGreaterThanOrEqual(30 * 60_000);
  });

  it('waits the capped backoff between attempts, then records the abandoned job on its incident', async () => {
    const keyPrefix = 'abandon';
    const retry = { attempts: 4, firstDelayMs: 60, maxDelayMs: 120 };
    const incidents = createIncidentStore({ redis, keyPrefix });
    let logs = '';
    const sink = new Writable({ write(chunk, _encoding, done) { logs += chunk.toString(); done(); } });
    const queue = createAnomalyQueue({ redisUrl: server.url, keyPrefix, retry });
    const startedAt: number[] = [];
    const worker = createAnomalyWorker({
      redisUrl: server.url,
      keyPrefix,
      log: pino({ level: 'info' }, sink),
      retry,
      handle: async (anomaly) => {
        startedAt.push(Date.now());
        await incidents.openOrJoin({ anomaly, protocol: 'demo', contracts: ['vault'], windowSeconds: 600 });
        throw new Error('the RPC is down\nURL: https://rpc.example/v2/SECRETKEY');
      },
    });
    const anomaly = makeAnomaly();
    await queue.add([anomaly]);
    await waitFor(() => logs.includes('abandoned'));
    await worker.close(); // also waits for the abandonment record
    expect(startedAt).toHaveLength(4);
    const gaps = startedAt.slice(1).map((at, i) => at - startedAt[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(55);
    expect(gaps[1]).toBeGreaterThanOrEqual(115);
    expect(gaps[2]).toBeGreaterThanOrEqual(115);
    expect(gaps[2]).toBeLessThan(1_000); // capped, not 240 ms and growing
    const incident = (await incidents.get((await incidents.incidentForAnomaly(anomaly.id))!))!;
    expect(incident.status).toBe('containment-failed');
    expect(incident.timeline.find((entry) => entry.type === 'containment-failed')).toMatchObject({
      data: { abandoned: true, anomalyId: anomaly.id, attempts: 4, reason: 'the RPC is down' },
    });
    expect(incident.timeline.at(-1)).toMatchObject({ type: 'status-changed', data: { to: 'containment-failed' } });
    const abandonedLine = logs.split('\n').filter(Boolean).map((line) => JSON.parse(line)).find((line) => /abandoned/.test(line.msg));
    expect(abandonedLine).toMatchObject({ level: 50, anomaly: anomaly.id, err: 'the RPC is down' });
    const job = (await queue.queue.getJob(anomaly.id))!;
    expect(job.failedReason).toBe('the RPC is down');
    expect(JSON.stringify(job.stacktrace) + logs).not.toContain('SECRETKEY');
    await queue.close();
  });

  it('treats a job BullMQ fails for good early (UnrecoverableError, e.g. stalled too often) as abandoned', async () => {
    const keyPrefix = 'unrecoverable';
    const incidents = createIncidentStore({ redis, keyPrefix });
    let logs = '';
    const sink = new Writable({ write(chunk, _encoding, done) { logs += chunk.toString(); done(); } });
    const queue = createAnomalyQueue({ redisUrl: server.url, keyPrefix });
    let runs = 0;
    const worker = createAnomalyWorker({
      redisUrl: server.url,
      keyPrefix,
      log: pino({ level: 'info' }, sink),
      handle: async (anomaly) => {
        runs += 1;
        await incidents.openOrJoin({ anomaly, protocol: 'demo', contracts: ['vault'], windowSeconds: 600 });
        throw new UnrecoverableError('job stalled more than allowable limit');
      },
    });
    const anomaly = makeAnomaly();
    await queue.add([anomaly]);
    await waitFor(() => logs.includes('abandoned'));
    await worker.close();
    expect(runs).toBe(1);
    const incident = (await incidents.get((await incidents.incidentForAnomaly(anomaly.id))!))!;
    expect(incident.status).toBe('containment-failed');
    expect(logs).not.toContain('retrying');
    await queue.close();
  });
});
