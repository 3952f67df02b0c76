/**
 * The follower's block reads over HTTP, each stamped with when warden saw it. Knows two facts the
 * rest of the follower relies on:
 *
 * - a block the node cannot find by hash or number is not an RPC failure to retry — it was reorged out
 *   (or the chain got shorter) — so it surfaces as `undefined` / a `BlockNotFoundError` the caller turns
 *   into "re-read the head";
 * - every block it returns is the node's real block, as asked for: a block read by number has that
 *   number, one read by hash that hash, and its header is either its hash recomputed from its fields
 *   or — on chains whose header format differs — confirmed by reading the block again by that hash.
 *   Anything else (another block, another block's hash or parentHash, a field that does not parse) is a
 *   `MalformedAnswerError`: retried like an RPC error, never processed, never checkpointed.
 *
 * Cost: no extra call on Ethereum-format chains (anvil, mainnet, OP stack, Arbitrum); elsewhere one
 * `eth_getBlockByHash` per block read or head (logged once per fetcher).
 */
import { BlockNotFoundError, type Block, type Hex, type PublicClient } from 'viem';
import type { Logger } from 'pino';
import type { FollowedBlock } from './follower.js';
import type { BlockHeader, ObservedAt } from '../../detectors/types.js';
import { recomputedBlockHash, toHeader } from './block-header.js';
import { MalformedAnswerError } from './rpc-values.js';

export interface BlockFetcher {
  byNumber(number: number): Promise<FollowedBlock>;
  byHash(hash: Hex): Promise<FollowedBlock>;
  latest(): Promise<FollowedBlock>;
  /** The canonical block's hash at `number`; undefined when the node has no block there. Other errors throw. */
  canonicalHashAt(number: number): Promise<Hex | undefined>;
  /** The header of a block from elsewhere (a newHeads payload), checked like the blocks read here. */
  checkHeader(block: Block): Promise<BlockHeader>;
}

export function createBlockFetcher(params: { client: PublicClient; observe(): ObservedAt; log?: Logger }): BlockFetcher {
  const { client, observe } = params;
  let confirmNoted = false;

  /**
   * `block`'s header if it is the node's real block as asked for (`expected`); see the file comment.
   * @throws MalformedAnswerError otherwise.
   */
  async function checked(block: Block, expected: { number?: number; hash?: Hex }): Promise<BlockHeader> {
    const header = toHeader(block);
    if (expected.number !== undefined && header.number !== expected.number) {
      throw new MalformedAnswerError(`asked for block ${expected.number}, got block ${header.number}`);
    }
    if (expected.hash !== undefined && header.hash !== expected.hash) {
      throw new MalformedAnswerError(`asked for block ${expected.hash}, got block ${header.hash}`);
    }
    if (recomputedBlockHash(block) === header.hash) return header;
    // Another header format, or a lie about a field (the hash of another block, a made-up parentHash):
    // the node's block by that hash must say the same.
    const again = await client.getBlock({ blockHash: header.hash }).then(toHeader, (error: unknown) => {
      if (isBlockNotFound(error)) throw new MalformedAnswerError(`block ${header.number}: the node has no block ${header.hash}`);
      throw error;
    });
    if (!sameHeader(again, header)) {
      throw new MalformedAnswerError(`block ${header.number} ${header.hash}: its fields do not give its hash, and the node's block by that hash differs`);
    }
    if (!confirmNoted) {
      confirmNoted = true;
      params.log?.warn({ block: header.number }, 'block hashes do not recompute from their headers on this chain: each block is confirmed by one more read by hash');
    }
    return header;
  }

  const followed = (header: BlockHeader): FollowedBlock => ({ header, observedAt: observe() });
  return {
    byNumber: async (number) => followed(await checked(await client.getBlock({ blockNumber: BigInt(number) }), { number })),
    byHash: async (hash) => followed(await checked(await client.getBlock({ blockHash: hash }), { hash })),
    latest: async () => followed(await checked(await client.getBlock({ blockTag: 'latest' }), {})),
    async canonicalHashAt(number) {
      try {
        return (await checked(await client.getBlock({ blockNumber: BigInt(number) }), { number })).hash;
      } catch (error) {
        if (isBlockNotFound(error)) return undefined;
        throw error;
      }
    },
    checkHeader: (block) => checked(block, {}),
  };
}

function sameHeader(a: BlockHeader, b: BlockHeader): boolean {
  return a.number === b.number && a.hash === b.hash && a.parentHash === b.parentHash && a.timestamp === b.timestamp && a.logsBloom === b.logsBloom && a.baseFeePerGas === b.baseFeePerGas;
}

/** viem's answer to a null block (by hash or number). */
export function isBlockNotFound(error: unknown): boolean {
  return error instanceof BlockNotFoundError || (error instanceof Error && error.name === 'BlockNotFoundError');
}
