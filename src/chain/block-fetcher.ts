/**
 * The follower's block reads over HTTP, each stamped with when warden saw it. Knows one fact the
 * rest of the follower relies on: a block the node cannot find by hash or number is not an RPC
 * failure to retry — it was reorged out (or the chain got shorter) — so it surfaces as
 * `undefined` / a `BlockNotFoundError` the caller turns into "re-read the head".
 */
import { BlockNotFoundError, type Hex, type PublicClient } from 'viem';
import type { FollowedBlock } from './follower.js';
import type { ObservedAt } from '../../detectors/types.js';
import { toHeader } from './heads.js';

export interface BlockFetcher {
  byNumber(number: number): Promise<FollowedBlock>;
  byHash(hash: Hex): Promise<FollowedBlock>;
  latest(): Promise<FollowedBlock>;
  /** The canonical block's hash at `number`; undefined when the node has no block there. Other errors throw. */
  canonicalHashAt(number: number): Promise<Hex | undefined>;
}

export function createBlockFetcher(params: { client: PublicClient; observe(): ObservedAt }): BlockFetcher {
  const { client, observe } = params;
  const followed = (block: Parameters<typeof toHeader>[0]): FollowedBlock => ({ header: toHeader(block), observedAt: observe() });
  return {
    byNumber: async (number) => followed(await client.getBlock({ blockNumber: BigInt(number) })),
    byHash: async (hash) => followed(await client.getBlock({ blockHash: hash })),
    latest: async () => followed(await client.getBlock({ blockTag: 'latest' })),
    async canonicalHashAt(number) {
      try {
        return (await client.getBlock({ blockNumber: BigInt(number) })).hash ?? undefined;
      } catch (error) {
        if (isBlockNotFound(error)) return undefined;
        throw error;
      }
    },
  };
}

/** viem's answer to a null block (by hash or number). */
export function isBlockNotFound(error: unknown): boolean {
  return error instanceof BlockNotFoundError || (error instanceof Error && error.name === 'BlockNotFoundError');
}
