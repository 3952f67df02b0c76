/**
 * DetectorState in Redis: small JSON values per (chain, detector), e.g. a balance window.
 * Keys: `${keyPrefix}:chain:${chainId}:detector:${detectorId}:${key}`.
 * bigints are stored as decimal strings (JSON has no bigint); detectors parse them back.
 *
 * Errors are sorted by whether a retry can help: a Redis failure is a `DetectorStateError`
 * (transient: the block processor fails the block so the follower retries it); a value that is
 * not JSON is a plain Error (the detector's bug: retrying would fail forever).
 */
import type { Redis } from 'ioredis';
import type { DetectorState } from '../../detectors/types.js';
import { describeError } from '../errors.js';

/** Detector state could not be read or written (Redis): the block must be retried, not skipped. */
export class DetectorStateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DetectorStateError';
  }
}

export interface RedisDetectorStateParams {
  redis: Redis;
  keyPrefix: string;
  chainId: number;
  detectorId: string;
}

export function createRedisDetectorState(params: RedisDetectorStateParams): DetectorState {
  const { redis, keyPrefix, chainId, detectorId } = params;
  const fullKey = (key: string) => `${keyPrefix}:chain:${chainId}:detector:${detectorId}:${key}`;
  async function viaRedis<T>(operation: string, key: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new DetectorStateError(`detector ${detectorId}: state ${operation} ${key} failed: ${describeError(error)}`, { cause: error });
    }
  }
  return {
    async get<T>(key: string): Promise<T | undefined> {
      const text = await viaRedis('get', key, () => redis.get(fullKey(key)));
      return text === null ? undefined : (JSON.parse(text) as T);
    },
    async set(key, value, options) {
      const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
      if (text === undefined) throw new Error(`detector state ${detectorId}/${key}: value is not JSON-serialisable`);
      if (options?.ttlSeconds !== undefined) {
        const ttl = Math.max(1, Math.ceil(options.ttlSeconds));
        await viaRedis('set', key, () => redis.set(fullKey(key), text, 'EX', ttl));
      } else await viaRedis('set', key, () => redis.set(fullKey(key), text));
    },
    async delete(key) {
      await viaRedis('delete', key, () => redis.del(fullKey(key)));
    },
  };
}

/**
 * Wraps `state` for one detector call and remembers the first DetectorStateError that passed
 * through it — so a state failure is noticed even when the detector catches it, or rethrows
 * something else in its place.
 */
export function trackStateFailures(state: DetectorState): { state: DetectorState; failure(): DetectorStateError | undefined } {
  let failure: DetectorStateError | undefined;
  const tracked = <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args);
      } catch (error) {
        if (error instanceof DetectorStateError) failure ??= error;
        throw error;
      }
    };
  return {
    state: {
      get: tracked((key: string) => state.get(key)) as DetectorState['get'],
      set: tracked((key: string, value: unknown, options?: { ttlSeconds?: number }) => state.set(key, value, options)),
      delete: tracked((key: string) => state.delete(key)),
    },
    failure: () => failure,
  };
}
