import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Anomaly } from '../../detectors/types.js';
import { makeAnomaly } from '../../responders/test/anomaly-fixture.js';
import { startRedisServer, type ManagedProcess } from '../drill/processes.js';
import { createAnomalyQueue, createAnomalyWorker } from './anomaly-queue.js';

let server: ManagedProcess;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
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

  it('picks up a job within a few milliseconds', async () => {
    const queue = createAnomalyQueue({ redisUrl: server.url, keyPrefix: 'latency' });
    const pickups: number[] = [];
    let sentAt = 0n;
    const worker = createAnomalyWorker({
      redisUrl: server.url,
      keyPrefix: 'latency',
      log,
      handle: async () => void pickups.push(Number(process.hrtime.bigint() - sentAt) / 1e6),
    });
    await worker.ready();
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the worker block on the marker
    for (let i = 0; i < 20; i++) {
      sentAt = process.hrtime.bigint();
      await queue.add([makeAnomaly()]);
      await waitFor(() => pickups.length === i + 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const sorted = [...pickups].sort((a, b) => a - b);
    const p50 = sorted[Math.floor(sorted.length / 2)]!;
    console.log(`queue pickup latency (add → handler) p50 ${p50.toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(2)} ms`);
    expect(p50).toBeLessThan(10);
    await worker.close();
    await queue.close();
  });
});
