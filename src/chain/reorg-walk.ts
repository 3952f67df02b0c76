/**
 * Reorg resolution for the follower: a block that does not extend our tip is walked back by
 * parentHash until a parent is a block we hold (the common ancestor).
 *
 * Guarantees:
 * - a block that is provably not canonical (the node has another hash at its number) is never
 *   walked: `BlockReorgedError`. Nodes that keep side blocks would otherwise let a stale head
 *   walk back along its dead branch and name canonical blocks as dropped;
 * - a parent the node cannot find (anvil forgets reorged-out blocks) is `BlockReorgedError` too,
 *   not an RPC failure to retry forever;
 * - other RPC errors propagate unchanged (the caller retries);
 * - the result's `droppedHashes` are exactly our blocks after the ancestor, lowest first.
 */
import type { Hex } from 'viem';
import type { BlockHeader } from '../../detectors/types.js';
import type { BlockRef } from './checkpoint.js';
import type { BlockFetcher } from './block-fetcher.js';
import { isBlockNotFound } from './block-fetcher.js';
import type { FollowedBlock } from './follower.js';

/** The block being handled is no longer canonical: re-derive the work from the current head. */
export class BlockReorgedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlockReorgedError';
  }
}

export interface WalkBackParams {
  /** A block whose parent is not our tip. */
  block: FollowedBlock;
  /** Our hash-linked recent blocks, oldest first (non-empty). */
  recent: readonly BlockHeader[];
  /** How far back to walk (finalityDepth). */
  depth: number;
  fetcher: Pick<BlockFetcher, 'byHash' | 'canonicalHashAt'>;
}

export interface WalkBackResult {
  /** Blocks to process, lowest first, ending with `block`. */
  branch: FollowedBlock[];
  /** Our blocks after the common ancestor, lowest first; empty when the branch only fills a gap. */
  droppedHashes: Hex[];
  commonAncestor: BlockRef;
  /** How many of `recent` (from the oldest) survive: up to and including the ancestor. */
  keep: number;
  /** No common ancestor within `depth`: every retained block counts as dropped. */
  tooDeep: boolean;
}

export async function walkBack(params: WalkBackParams): Promise<WalkBackResult> {
  const { block, recent, depth, fetcher } = params;
  const canonical = await fetcher.canonicalHashAt(block.header.number);
  // undefined: the node has no block at that height (it lags, or the chain got shorter): the walk tells.
  if (canonical !== undefined && canonical !== block.header.hash) {
    throw new BlockReorgedError(`block ${block.header.number} ${block.header.hash} is not canonical (${canonical} is)`);
  }
  const indexOf = (hash: Hex) => recent.findIndex((b) => b.hash === hash);
  const branch: FollowedBlock[] = [block];
  let cursor = block.header;
  let ancestorIndex = indexOf(cursor.parentHash);
  while (ancestorIndex < 0) {
    if (branch.length > depth || cursor.number - 1 < recent[0]!.number) {
      const commonAncestor = { number: cursor.number - 1, hash: cursor.parentHash };
      return { branch, droppedHashes: recent.map((b) => b.hash), commonAncestor, keep: 0, tooDeep: true };
    }
    let parent: FollowedBlock;
    try {
      parent = await fetcher.byHash(cursor.parentHash);
    } catch (error) {
      if (isBlockNotFound(error)) throw new BlockReorgedError(`parent ${cursor.parentHash} of block ${cursor.number} is unknown: reorged out`);
      throw error;
    }
    branch.unshift(parent);
    cursor = parent.header;
    ancestorIndex = indexOf(cursor.parentHash);
  }
  const ancestor = recent[ancestorIndex]!;
  return {
    branch,
    droppedHashes: recent.slice(ancestorIndex + 1).map((b) => b.hash),
    commonAncestor: { number: ancestor.number, hash: ancestor.hash },
    keep: ancestorIndex + 1,
    tooDeep: false,
  };
}
