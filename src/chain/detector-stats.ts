/**
 * Per-detector counters: evaluations, hits, errors and time spent. The daemon keeps them in Redis,
 * one hash per chain (`${keyPrefix}:chain:${chainId}:detector-stats`, fields `${detectorId}|${counter}`),
 * shown by `warden stats`; `warden replay` adds up the same counters in memory for its run.
 *
 * Recording never slows or fails a block: counters accumulate in memory and go out as one HINCRBY
 * pipeline after a block, unless a write is still in flight (then the next write, started as soon as
 * that one succeeds, carries them). A failed write is logged and its counts are kept for the next block.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { DetectorRunStats } from './evaluate-block.js';
import { describeError } from '../errors.js';

/** Totals of one detector. */
export interface DetectorTotals {
  evaluations: number;
  hits: number;
  errors: number;
  /** Time spent in onBlock, ms. */
  timeMs: number;
}

const counters = ['evaluations', 'hits', 'errors', 'timeUs'] as const;

export function emptyTotals(): DetectorTotals {
  return { evaluations: 0, hits: 0, errors: 0, timeMs: 0 };
}

/** Adds one block's stats into `totals` (by detector id). */
export function addRunStats(totals: Map<string, DetectorTotals>, stats: readonly DetectorRunStats[]): void {
  for (const s of stats) {
    const t = totals.get(s.detectorId) ?? emptyTotals();
    t.evaluations += s.evaluations;
    t.hits += s.hits;
    t.errors += s.errors;
    t.timeMs += s.ms;
    totals.set(s.detectorId, t);
  }
}

export function detectorStatsKey(keyPrefix: string, chainId: number): string {
  return `${keyPrefix}:chain:${chainId}:detector-stats`;
}

export interface DetectorStatsRecorder {
  /** Queues one block's stats and starts a write unless one is in flight. Never throws. */
  record(stats: readonly DetectorRunStats[]): void;
  /** Resolves once everything recorded so far is written (or failed and logged). */
  flush(): Promise<void>;
}

export function createDetectorStatsRecorder(params: { redis: Redis; keyPrefix: string; chainId: number; log: Logger }): DetectorStatsRecorder {
  const key = detectorStatsKey(params.keyPrefix, params.chainId);
  let pending = new Map<string, DetectorTotals>();
  let writing: Promise<void> | undefined;

  async function write(batch: Map<string, DetectorTotals>): Promise<void> {
    const pipeline = params.redis.pipeline();
    for (const [id, t] of batch) {
      // timeUs: HINCRBY takes integers; microseconds keep sub-ms detectors visible.
      const values = { evaluations: t.evaluations, hits: t.hits, errors: t.errors, timeUs: Math.round(t.timeMs * 1000) };
      for (const counter of counters) if (values[counter] !== 0) pipeline.hincrby(key, `${id}|${counter}`, values[counter]);
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
  }

  function start(): void {
    // Redis down: keep counting in memory (no warning per block); the first block after it is back writes them.
    if (writing || pending.size === 0 || ['reconnecting', 'close', 'end'].includes(params.redis.status)) return;
    const batch = pending;
    pending = new Map();
    writing = write(batch).then(
      () => {
        writing = undefined;
        start(); // what came in meanwhile goes out now, not with some later block (or never, after a reload)
      },
      (error: unknown) => {
        writing = undefined;
        params.log.warn({ chain: params.chainId, err: describeError(error) }, 'detector stats not written; keeping them for the next block');
        for (const [id, t] of batch) addRunStats(pending, [{ detectorId: id, evaluations: t.evaluations, hits: t.hits, errors: t.errors, ms: t.timeMs }]);
      },
    );
  }

  return {
    record(stats) {
      addRunStats(pending, stats);
      start();
    },
    async flush() {
      // A successful write starts the next itself; after a failure one more try, no more.
      start();
      while (writing) await writing;
      if (pending.size > 0) {
        start();
        await writing;
      }
    },
  };
}

/** Totals by detector id for one chain, as recorded by the daemon. */
export async function readDetectorStats(params: { redis: Redis; keyPrefix: string; chainId: number }): Promise<Map<string, DetectorTotals>> {
  const hash = await params.redis.hgetall(detectorStatsKey(params.keyPrefix, params.chainId));
  const totals = new Map<string, DetectorTotals>();
  for (const [field, value] of Object.entries(hash)) {
    const split = field.lastIndexOf('|');
    const id = field.slice(0, split);
    const counter = field.slice(split + 1);
    const t = totals.get(id) ?? emptyTotals();
    if (counter === 'timeUs') t.timeMs = Number(value) / 1000;
    else if (counter === 'evaluations' || counter === 'hits' || counter === 'errors') t[counter] = Number(value);
    totals.set(id, t);
  }
  return totals;
}
