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
  /** Records `block` as processed (atomically with its entry in the recent list). */
  set(block: BlockRef): Promise<void>;
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
    async set(block) {
      // One MULTI: the checkpoint and its recent-list entry never disagree.
      await redis
        .multi()
        .set(key, JSON.stringify({ number: block.number, hash: block.hash }))
        .zremrangebyscore(recentKey, block.number, block.number)
        .zadd(recentKey, block.number, `${block.number}:${block.hash}`)
        .zremrangebyscore(recentKey, '-inf', `(${block.number - retain + 1}`)
        .exec();
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
