/**
 * The follower's Redis stores, made to carry on through a Redis outage (mode.ts):
 * - the checkpoint: written to the spool while spooling (the follower keeps its position in memory);
 * - detector state: every value read or written is remembered in memory, so while Redis is away
 *   detectors read what they last saw and their windows keep working; writes go to the spool.
 *   Outside an outage Redis stays the source of truth: reads go to Redis as before.
 */
import type { DetectorState } from '../../detectors/types.js';
import type { CheckpointStore } from '../chain/checkpoint.js';
import { DetectorStateError } from '../chain/detector-state.js';
import type { OutageMode } from './mode.js';

export function spoolingCheckpoint(params: { inner: CheckpointStore; mode: OutageMode; chainId: number }): CheckpointStore {
  const { inner, mode, chainId } = params;
  return {
    get: () => inner.get(),
    recent: () => inner.recent(),
    async set(block, options) {
      const rewind = options?.rewind ?? false;
      await mode.write({ kind: 'checkpoint', chainId, block, ...(rewind ? { rewind } : {}) }, () => inner.set(block, options));
    },
  };
}

/** Values kept per detector at most; detectors keep a few windows each, so this is a safety net. */
const maxRemembered = 1_000;

/** JSON text as the Redis store writes it (bigints as decimal strings). */
const toJson = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

export function spoolingDetectorState(params: { inner: DetectorState; mode: OutageMode; chainId: number; detectorId: string }): DetectorState {
  const { inner, mode, chainId, detectorId } = params;
  /** Last known JSON text per key (undefined: known absent), with its expiry. */
  const remembered = new Map<string, { json?: string; expiresAt?: number }>();
  const remember = (key: string, json: string | undefined, expiresAt?: number) => {
    remembered.delete(key);
    remembered.set(key, { json, expiresAt });
    if (remembered.size > maxRemembered) remembered.delete(remembered.keys().next().value!);
  };
  const offline = () => mode.spooling() || !mode.redisUp();
  const fromMemory = <T>(key: string): T | undefined => {
    const known = remembered.get(key);
    if (!known?.json || (known.expiresAt !== undefined && known.expiresAt <= Date.now())) return undefined;
    return JSON.parse(known.json) as T;
  };

  return {
    async get<T>(key: string): Promise<T | undefined> {
      if (offline()) return fromMemory<T>(key);
      try {
        const value = await inner.get<T>(key);
        remember(key, value === undefined ? undefined : toJson(value));
        return value;
      } catch (error) {
        if (error instanceof DetectorStateError && offline()) return fromMemory<T>(key);
        throw error;
      }
    },
    async set(key, value, options) {
      const json = toJson(value);
      if (json === undefined) throw new Error(`detector state ${detectorId}/${key}: value is not JSON-serialisable`);
      const expiresAt = options?.ttlSeconds === undefined ? undefined : Date.now() + Math.max(1, Math.ceil(options.ttlSeconds)) * 1000;
      await mode.write({ kind: 'detector-state', chainId, detectorId, key, json, expiresAt }, () => inner.set(key, value, options));
      remember(key, json, expiresAt);
    },
    async delete(key) {
      await mode.write({ kind: 'detector-state', chainId, detectorId, key }, () => inner.delete(key));
      remember(key, undefined);
    },
  };
}
