/**
 * Reorg resolution for the follower: a block that does not extend our tip is walked back by
 * parentHash (eth_getBlockByHash) until a parent is a block we processed (the common ancestor).
 *
 * Guarantees:
 * - a block that is provably not canonical (the node has another hash at its number) is never
 *   walked: `BlockReorgedError`. Nodes that keep side blocks would otherwise let a stale head
 *   walk back along its dead branch and name canonical blocks as dropped;
 * - a parent the node cannot find (anvil forgets reorged-out blocks) is `BlockReorgedError` too,
 *   not an RPC failure to retry forever;
 * - other RPC errors propagate unchanged (the caller retries); a parent whose number is not its
 *   child's − 1 is a `MalformedAnswerError` (blocks by hash are checked in block-fetcher.ts);
 * - blocks are named dropped only once the node confirms the first of them is no longer canonical:
 *   a head that links to an older processed block while the blocks after it are still the chain's is a
 *   lie (or a side block), `HeadContradictsChainError`, never a reorg;
 * - the ancestor is looked for first among the in-memory blocks (`recent`), then, for a reorg deeper
 *   than them, among the older processed blocks the checkpoint store keeps (`processed`, read only then);
 * - found: `droppedHashes` are exactly our processed blocks after the ancestor, lowest first, and
 *   `branch` is the whole new branch after it;
 * - not found within `maxBlocks` fetched blocks or the processed blocks we know: `unreconciled`.
 */
import type { Hex } from 'viem';
import type { BlockHeader } from '../../detectors/types.js';
import type { BlockRef } from './checkpoint.js';
import type { BlockFetcher } from './block-fetcher.js';
import { isBlockNotFound } from './block-fetcher.js';
import type { FollowedBlock } from './follower.js';
import type { DeepReorgEvent } from './follower-events.js';
import { MalformedAnswerError } from './rpc-values.js';

/** The block being handled is no longer canonical: re-derive the work from the current head. */
export class BlockReorgedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlockReorgedError';
  }
}

/**
 * The head names as its ancestor an older processed block, but the processed blocks after that one are
 * still canonical: the head is not on the chain (a made-up parentHash, or a side block a node kept).
 * Not a reorg: nothing was dropped. Re-read the head (after a pause) and follow it instead.
 */
export class HeadContradictsChainError extends MalformedAnswerError {
  override name = 'HeadContradictsChainError';
}

export interface WalkBackParams {
  /** A block whose parent is not our tip. */
  block: FollowedBlock;
  /** Our hash-linked recent blocks, oldest first (non-empty); the last one is our tip. */
  recent: readonly BlockHeader[];
  /** Processed blocks, highest first (CheckpointStore.recent()); read only when the ancestor is older than `recent`. */
  processed(): Promise<BlockRef[]>;
  /** The most blocks the walk fetches (bounds its time and memory). */
  maxBlocks: number;
  fetcher: Pick<BlockFetcher, 'byHash' | 'canonicalHashAt'>;
}

export interface WalkBackResult {
  /** Blocks to process, lowest first, ending with `block`. */
  branch: FollowedBlock[];
  /** Our processed blocks after the common ancestor, lowest first; empty when the branch only fills a gap. */
  droppedHashes: Hex[];
  /** The newest block both branches share (unreconciled: only the block `branch` builds on). */
  commonAncestor: BlockRef;
  /** How many of `recent` (from the oldest) survive: up to and including the ancestor; 0 when `base` is set. */
  keep: number;
  /** The ancestor's header when it is older than every block of `recent`: the local chain restarts from it. */
  base?: BlockHeader;
  /**
   * No common ancestor found within `maxBlocks` or among the processed blocks we know. `commonAncestor`
   * and `base` are then the new branch's block below `branch`; processed blocks at or above
   * `comparedFrom` were compared (the dropped ones are in `droppedHashes`), older ones could not be.
   * New-branch blocks at or below `commonAncestor` are not in `branch`: they are never processed.
   */
  unreconciled?: { comparedFrom: number };
}

export async function walkBack(params: WalkBackParams): Promise<WalkBackResult> {
  const { block, recent, maxBlocks, fetcher } = params;
  const canonical = await fetcher.canonicalHashAt(block.header.number);
  // undefined: the node has no block at that height (it lags, or the chain got shorter): the walk tells.
  if (canonical !== undefined && canonical !== block.header.hash) {
    throw new BlockReorgedError(`block ${block.header.number} ${block.header.hash} is not canonical (${canonical} is)`);
  }
  /** What we processed, oldest first: `recent`, then (once the walk passes it) older processed blocks too. */
  let known: readonly BlockRef[] = recent;
  let processedRead = false;
  const indexOf = (hash: Hex) => known.findIndex((b) => b.hash === hash);
  const branch: FollowedBlock[] = [block];
  let cursor = block.header;
  let ancestorIndex = indexOf(cursor.parentHash);
  while (ancestorIndex < 0) {
    if (!processedRead && cursor.number - 1 < recent[0]!.number) {
      processedRead = true;
      known = [...(await params.processed()).filter((b) => b.number < recent[0]!.number).reverse(), ...recent];
      ancestorIndex = indexOf(cursor.parentHash);
      continue;
    }
    if (branch.length >= maxBlocks || cursor.number - 1 < known[0]!.number) {
      const base = (await parentOf(cursor, fetcher)).header;
      const dropped = known.filter((b) => b.number >= base.number);
      await expectNoLongerCanonical(dropped[0], block, fetcher);
      return {
        branch,
        droppedHashes: dropped.map((b) => b.hash),
        commonAncestor: { number: base.number, hash: base.hash },
        keep: 0,
        base,
        // The walk compared every known block from here up (below the oldest one known, nothing could be).
        unreconciled: { comparedFrom: Math.max(base.number, known[0]!.number) },
      };
    }
    const parent = await parentOf(cursor, fetcher);
    branch.unshift(parent);
    cursor = parent.header;
    ancestorIndex = indexOf(cursor.parentHash);
  }
  const ancestor = known[ancestorIndex]!;
  const keep = recent.findIndex((b) => b.hash === ancestor.hash) + 1;
  const dropped = known.slice(ancestorIndex + 1);
  await expectNoLongerCanonical(dropped[0], block, fetcher);
  return {
    branch,
    droppedHashes: dropped.map((b) => b.hash),
    commonAncestor: { number: ancestor.number, hash: ancestor.hash },
    keep,
    ...(keep === 0 ? { base: (await parentOf(branch[0]!.header, fetcher)).header } : {}),
  };
}

async function parentOf(header: BlockHeader, fetcher: Pick<BlockFetcher, 'byHash'>): Promise<FollowedBlock> {
  let parent: FollowedBlock;
  try {
    parent = await fetcher.byHash(header.parentHash);
  } catch (error) {
    if (isBlockNotFound(error)) throw new BlockReorgedError(`parent ${header.parentHash} of block ${header.number} is unknown: reorged out`);
    throw error;
  }
  if (parent.header.number !== header.number - 1) {
    throw new MalformedAnswerError(`parent ${header.parentHash} of block ${header.number} came back as block ${parent.header.number}`);
  }
  return parent;
}

/**
 * A reorg drops `first` (and the processed blocks after it) only if the node no longer has it at its
 * height. Still canonical: `head` linked past it by a parentHash that is not the chain's.
 */
async function expectNoLongerCanonical(first: BlockRef | undefined, head: FollowedBlock, fetcher: Pick<BlockFetcher, 'canonicalHashAt'>): Promise<void> {
  if (!first || (await fetcher.canonicalHashAt(first.number)) !== first.hash) return;
  throw new HeadContradictsChainError(
    `head ${head.header.number} ${head.header.hash} would drop block ${first.number} ${first.hash}, which is still canonical: the head is not on the chain`,
  );
}

export interface ReorgReport {
  level: 'warn' | 'error';
  message: string;
  context: Record<string, unknown>;
  /** Set when the reorg dropped more than `finalityDepth` blocks or was not reconciled: the alert. */
  deep?: DeepReorgEvent;
}

/**
 * The log line for a walked reorg, and the alert when it dropped more than `finalityDepth` blocks. An
 * unreconciled walk's depth is a lower bound: only when warden has processed fewer blocks than
 * `finalityDepth` (just after a fresh start) can it be unreconciled and not deep.
 */
export function reorgReport(params: { walk: WalkBackResult; chainId: number; oldTip: BlockRef; newHead: BlockRef; finalityDepth: number }): ReorgReport {
  const { walk, oldTip, newHead, finalityDepth } = params;
  const { droppedHashes, commonAncestor, unreconciled } = walk;
  const depth = oldTip.number - commonAncestor.number;
  const context = { block: commonAncestor.number, head: newHead.number, depth, dropped: droppedHashes.length, droppedHashes };
  const deep: DeepReorgEvent | undefined =
    depth > finalityDepth ? { chainId: params.chainId, depth, commonAncestor, droppedHashes, newHead: { number: newHead.number, hash: newHead.hash }, ...(unreconciled ? { unreconciled } : {}) } : undefined;
  const level = deep ? 'error' : 'warn';
  if (!unreconciled) {
    const message = deep ? `reorg deeper than finalityDepth (${finalityDepth}): common ancestor found by hash among the processed blocks; dropping blocks after it` : 'reorg: dropping blocks after the common ancestor';
    return { level, message, context, ...(deep ? { deep } : {}) };
  }
  const { comparedFrom } = unreconciled;
  const message =
    `reorg deeper than warden can reconcile: no common ancestor among the processed blocks from ${comparedFrom} up (walked back ${newHead.number - commonAncestor.number} blocks); ` +
    `processed blocks below ${comparedFrom} are not compared (any dropped there are not named), and new-branch blocks up to ${commonAncestor.number} are NOT checked: resyncing from ${commonAncestor.number + 1}`;
  return { level, message, context: { ...context, comparedFrom, skippedTo: commonAncestor.number }, ...(deep ? { deep } : {}) };
}
