/**
 * DetectorState in memory, for `warden replay`: same JSON semantics as the Redis store (bigints come
 * back as decimal strings, a value that is not JSON is the detector's bug), but it touches no Redis key,
 * so a replay can never disturb the daemon's detector windows.
 *
 * Time-to-live runs on the replayed chain's clock (the block timestamp being evaluated), not the wall
 * clock: a replay of a day of history runs in seconds, and a key meant to expire after an hour must
 * still expire an hour of block time later.
 */
import type { DetectorState } from '../../detectors/types.js';

export interface MemoryDetectorStates {
  /** The state of one detector (created on first use). */
  stateFor(detectorId: string): DetectorState;
  /** Sets the clock TTLs are measured against: the timestamp (s) of the block being evaluated. */
  setClock(unixSeconds: number): void;
}

export function createMemoryDetectorStates(): MemoryDetectorStates {
  let now = 0;
  const stores = new Map<string, Map<string, { text: string; expiresAt?: number }>>();
  return {
    setClock(unixSeconds) {
      now = unixSeconds;
    },
    stateFor(detectorId) {
      let store = stores.get(detectorId);
      if (!store) stores.set(detectorId, (store = new Map()));
      const entries = store;
      return {
        async get<T>(key: string): Promise<T | undefined> {
          const entry = entries.get(key);
          if (!entry) return undefined;
          if (entry.expiresAt !== undefined && entry.expiresAt <= now) {
            entries.delete(key);
            return undefined;
          }
          return JSON.parse(entry.text) as T;
        },
        async set(key, value, options) {
          const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
          if (text === undefined) throw new Error(`detector state ${detectorId}/${key}: value is not JSON-serialisable`);
          const ttl = options?.ttlSeconds === undefined ? undefined : Math.max(1, Math.ceil(options.ttlSeconds));
          entries.set(key, { text, ...(ttl === undefined ? {} : { expiresAt: now + ttl }) });
        },
        async delete(key) {
          entries.delete(key);
        },
      };
    },
  };
}
