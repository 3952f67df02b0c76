/**
 * DetectorState in Redis: small JSON values per (chain, detector), e.g. a balance window.
 * Keys: `${keyPrefix}:chain:${chainId}:detector:${detectorId}:${key}`.
 * bigints are stored as decimal strings (JSON has no bigint); detectors parse them back.
 */
import type { Redis } from 'ioredis';
import type { DetectorState } from '../../detectors/types.js';

export interface RedisDetectorStateParams {
  redis: Redis;
  keyPrefix: string;
  chainId: number;
  detectorId: string;
}

export function createRedisDetectorState(params: RedisDetectorStateParams): DetectorState {
  const { redis, keyPrefix, chainId, detectorId } = params;
  const fullKey = (key: string) => `${keyPrefix}:chain:${chainId}:detector:${detectorId}:${key}`;
  return {
    async get<T>(key: string): Promise<T | undefined> {
      const text = await redis.get(fullKey(key));
      return text === null ? undefined : (JSON.parse(text) as T);
    },
    async set(key, value, options) {
      const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
      if (text === undefined) throw new Error(`detector state ${detectorId}/${key}: value is not JSON-serialisable`);
      if (options?.ttlSeconds !== undefined) await redis.set(fullKey(key), text, 'EX', Math.max(1, Math.ceil(options.ttlSeconds)));
      else await redis.set(fullKey(key), text);
    },
    async delete(key) {
      await redis.del(fullKey(key));
    },
  };
}
