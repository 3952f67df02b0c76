/**
 * The follower's checkpoint in Redis: the last block whose anomalies are safely queued.
 *
 * Besides the checkpoint itself it keeps the (number, hash) pairs of the last `retain` processed
 * blocks, so that after a restart the follower can tell exactly which processed blocks a reorg
 * that happened while it was stopped has dropped (it only has hashes, not the blocks).
 */
import type { Redis } from 'ioredis';
import type { Hex } from 'viem';

export interface BlockRef {
  number: number;
  hash: Hex;
}

export interface CheckpointStore {
  /** The last processed block, or undefined on a fresh start. */
  get(): Promise<BlockRef | undefined>;
  /**
   * Records `block` as processed (atomically with its entry in the recent list). The checkpoint only
   * moves forward — replicas share it, and a lagging replica or a late spool replay must not move it
   * back (a restart would process blocks again) — unless `rewind`: a reorg back to a common ancestor.
   */
  set(block: BlockRef, options?: { rewind?: boolean }): Promise<void>;
  /** Recently processed blocks at or below the checkpoint, highest first (at most `retain`). */
  recent(): Promise<BlockRef[]>;
}

export interface CheckpointStoreParams {
  redis: Redis;
  keyPrefix: string;
  chainId: number;
  /** How many processed blocks to remember for restart reorg detection. Default 256. */
  retain?: number;
}

/** KEYS: checkpoint, recent list. ARGV: number, hash, rewind ('1'/'0'), retain, checkpoint JSON. */
const setScript = `
local number = tonumber(ARGV[1])
local current = redis.call('GET', KEYS[1])
if ARGV[3] ~= '1' and current and cjson.decode(current).number > number then return 0 end
redis.call('SET', KEYS[1], ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[2], number, number)
redis.call('ZADD', KEYS[2], number, ARGV[1] .. ':' .. ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (number - tonumber(ARGV[4]) + 1))
return 1
`;

export function createCheckpointStore(params: CheckpointStoreParams): CheckpointStore {
  const { redis, keyPrefix, chainId, retain = 256 } = params;
  const key = `${keyPrefix}:chain:${chainId}:checkpoint`;
  const recentKey = `${keyPrefix}:chain:${chainId}:recent`;

  return {
    async get() {
      const text = await redis.get(key);
      if (text === null) return undefined;
      const value = JSON.parse(text) as BlockRef;
      return { number: value.number, hash: value.hash };
    },
    async set(block, options) {
      // One script: the checkpoint and its recent-list entry never disagree.
      const json = JSON.stringify({ number: block.number, hash: block.hash });
      await redis.eval(setScript, 2, key, recentKey, String(block.number), block.hash, options?.rewind ? '1' : '0', String(retain), json);
    },
    async recent() {
      const checkpoint = await this.get();
      if (!checkpoint) return [];
      const members = await redis.zrevrangebyscore(recentKey, checkpoint.number, '-inf');
      return members.map((member) => {
        const [number, hash] = member.split(':');
        return { number: Number(number), hash: hash as Hex };
      });
    },
  };
}
