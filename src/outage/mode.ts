/**
 * Redis outage mode. While Redis is unreachable warden keeps following and detecting: every write
 * meant for Redis goes to the local spool (spool.ts) instead, and when Redis answers again the spool
 * is replayed into it (replay.ts) before writes go to Redis directly again.
 *
 * Guarantees:
 * - Order: once one write has gone to the spool, every later write does too, until the replay has
 *   emptied the spool. So Redis never holds a checkpoint ahead of anomalies still in the spool.
 * - A write that fails while Redis is reachable is a real error and is thrown (the caller retries);
 *   only a failure while the connection is down switches to spooling.
 * - Replays run one at a time: when Redis reports ready, at start, and every `retryMs` while
 *   spooling (a replay that failed because Redis went away again is simply tried again).
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { describeError } from '../errors.js';
import type { Spool, SpoolEntry, SpoolSize } from './spool.js';

export interface OutageStatus {
  /** Writes go to the spool (Redis down, or back but not yet replayed into). */
  spooling: boolean;
  redisUp: boolean;
  /** Wall ms since epoch when spooling began. */
  since?: number;
  spool: SpoolSize;
  /** The last append to the spool failed (disk full, not writable): nothing can be kept, the follower waits. */
  spoolError?: string;
}

export interface OutageMode {
  spooling(): boolean;
  /** Whether the main Redis connection is up right now. */
  redisUp(): boolean;
  /**
   * Runs `direct` (the Redis write) unless spooling; appends `entry` to the spool instead while
   * spooling, or when `direct` fails (or hangs past `timeoutMs`) with Redis down.
   * @returns 'redis' or 'spool': where the write went.
   */
  write(entry: SpoolEntry, direct: () => Promise<unknown>, options?: { timeoutMs?: number }): Promise<'redis' | 'spool'>;
  /** Appends to the spool if spooling, else does nothing; for writes that only matter during an outage. */
  spoolIfDown(entry: SpoolEntry): boolean;
  /** Replays the spool into Redis now (one at a time). Never throws: a failure is logged and retried later. */
  replay(): Promise<void>;
  status(): OutageStatus;
  close(): void;
}

export interface CreateOutageModeParameters {
  redis: Redis;
  spool: Spool;
  /** Applies one spool file's entries to Redis (replay.ts); must be idempotent. */
  apply(entries: SpoolEntry[]): Promise<void>;
  log: Logger;
  /** Retry period of a replay while spooling; default 2 s. */
  retryMs?: number;
  /** How long a direct write may hang (BullMQ waits for a connection forever) before it counts as failed; default 2 s. */
  timeoutMs?: number;
  /** Told when spooling starts and ends. */
  onChange?(spooling: boolean): void;
}

export function createOutageMode(params: CreateOutageModeParameters): OutageMode {
  const { redis, spool, log } = params;
  const defaultTimeoutMs = params.timeoutMs ?? 2_000;
  let since: number | undefined;
  let replaying: Promise<void> | undefined;
  let closed = false;
  let spoolError: string | undefined;
  /** Appends, remembering whether the spool works (readiness says so); rethrows so the caller retries. */
  const append = (entry: SpoolEntry) => {
    try {
      spool.append(entry);
      spoolError = undefined;
    } catch (error) {
      spoolError = describeError(error);
      log.error({ err: spoolError, spool: spool.path }, 'cannot write to the spool: the follower waits until Redis or the spool works');
      throw error;
    }
  };

  const redisUp = () => redis.status === 'ready';
  const enter = (reason: string) => {
    if (since !== undefined) return;
    since = Date.now();
    log.error({ reason, spool: spool.path }, 'Redis unreachable: following on, writing to the local spool until it is back');
    params.onChange?.(true);
  };
  const onReady = () => {
    if (since !== undefined) void mode.replay();
  };
  redis.on('ready', onReady);
  const timer = setInterval(() => {
    if (since !== undefined && redisUp()) void mode.replay();
  }, params.retryMs ?? 2_000);
  timer.unref();

  async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
    let handle: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        promise,
        new Promise<never>((_, reject) => {
          handle = setTimeout(() => reject(new Error(`no answer from Redis within ${ms} ms`)), ms);
        }),
      ]);
    } finally {
      clearTimeout(handle);
    }
  }

  async function replayOnce(): Promise<void> {
    const startedAt = since;
    try {
      const result = await spool.drain(params.apply, () => {
        // Synchronous with the drain's last check: no append can slip in between.
        since = undefined;
      });
      if (startedAt !== undefined && since === undefined) {
        log.warn({ entries: result.entries, files: result.files, skipped: result.skipped, outageMs: Date.now() - startedAt }, 'Redis is back: spool replayed, writing to Redis again');
        params.onChange?.(false);
      } else if (result.entries > 0) {
        log.info({ entries: result.entries, files: result.files }, 'spool replayed');
      }
      if (result.skipped > 0) log.warn({ skipped: result.skipped }, 'spool lines cut short by a crash were skipped');
    } catch (error) {
      log.warn({ err: describeError(error) }, 'spool replay failed; retrying when Redis answers');
    }
  }

  const mode: OutageMode = {
    spooling: () => since !== undefined,
    redisUp,
    async write(entry, direct, options) {
      if (since !== undefined) {
        append(entry);
        return 'spool';
      }
      try {
        await withTimeout(direct(), options?.timeoutMs ?? defaultTimeoutMs);
        return 'redis';
      } catch (error) {
        // A write that failed while Redis answers is a real error (the caller retries it).
        if (redisUp() && since === undefined) throw error;
        enter(describeError(error));
        append(entry);
        return 'spool';
      }
    },
    spoolIfDown(entry) {
      if (since === undefined && redisUp()) return false;
      enter('Redis connection down');
      append(entry);
      return true;
    },
    replay() {
      if (closed) return Promise.resolve();
      replaying ??= replayOnce().finally(() => (replaying = undefined));
      return replaying;
    },
    status: () => ({ spooling: since !== undefined, redisUp: redisUp(), since, spool: spool.size(), ...(spoolError ? { spoolError } : {}) }),
    close() {
      closed = true;
      clearInterval(timer);
      redis.off('ready', onReady);
      spool.close();
    },
  };
  return mode;
}
