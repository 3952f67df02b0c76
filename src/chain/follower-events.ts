/**
 * What the chain follower tells its owner besides blocks: reorgs (every one, and the deep ones
 * again as an alert) and head stalls. Re-exported by follower.ts.
 */
import type { Hex } from 'viem';
import type { BlockRef } from './checkpoint.js';

export interface ReorgEvent {
  chainId: number;
  /** Hashes of processed blocks that are no longer canonical, lowest first. */
  droppedHashes: Hex[];
  /** The newest block both branches share (see DeepReorgEvent.unreconciled for the exception). */
  commonAncestor: BlockRef;
}

/** A reorg that dropped more than `finalityDepth` processed blocks (found or, when unreconciled, at least). */
export interface DeepReorgEvent extends ReorgEvent {
  /** Our old tip's number − the ancestor's (at least this when unreconciled). */
  depth: number;
  /** The head whose branch it is. */
  newHead: BlockRef;
  /**
   * Set when no common ancestor was found within the walk's bound (the processed blocks the
   * checkpoint store keeps, at most max(finalityDepth + 1, maxCatchUpBlocks) blocks back):
   * `commonAncestor` is then only the new-branch block processing resumes after. New-branch blocks
   * up to it are never processed; processed blocks below `comparedFrom` were not compared.
   */
  unreconciled?: { comparedFrom: number };
}

/** A stall of the head, or its end (see heads.ts); the daemon raises the `liveness` anomaly from it. */
export interface LivenessEvent {
  type: 'stalled' | 'recovered';
  chainId: number;
  /** The last processed block at that moment (undefined before the first). */
  tip?: BlockRef;
  /** stalled: the highest block seen before it; recovered: the new block. */
  head?: number;
  stalledForMs: number;
  headMode: 'ws' | 'poll';
}
