/**
 * After a restart whose checkpoint is no longer canonical (a reorg while warden was stopped):
 * find the newest processed block that still is, and the processed blocks that were dropped.
 * The follower only has hashes of what it processed (kept by the checkpoint store), so it compares
 * them with the canonical chain by number, newest first — all of them, not only the last
 * `finalityDepth`: a reorg deeper than that is reconciled too (and raises the deep-reorg alert).
 */
import type { Hex } from 'viem';
import type { Logger } from 'pino';
import type { BlockHeader } from '../../detectors/types.js';
import type { BlockFetcher } from './block-fetcher.js';
import type { CheckpointStore } from './checkpoint.js';
import { describeError } from '../errors.js';
import type { DeepReorgEvent, FollowedBlock, ReorgEvent } from './follower.js';

export interface AncestorSearch {
  /** Newest processed block still canonical (its canonical header), if any the checkpoint store keeps is. */
  ancestor?: BlockHeader;
  /** Processed blocks above the ancestor, lowest first (all those kept when none was found). */
  droppedHashes: Hex[];
  /** The lowest processed block compared (undefined: none kept). */
  comparedFrom?: number;
}

export async function findAncestorAfterRestart(params: {
  checkpoint: CheckpointStore;
  headNumber: number;
  fetchHeader(number: number): Promise<BlockHeader>;
}): Promise<AncestorSearch> {
  const candidates = await params.checkpoint.recent(); // highest first
  const comparedFrom = candidates.at(-1)?.number;
  for (const [index, block] of candidates.entries()) {
    if (block.number > params.headNumber) continue; // the chain got shorter: certainly dropped
    const canonical = await params.fetchHeader(block.number);
    if (canonical.hash === block.hash) {
      return { ancestor: canonical, droppedHashes: candidates.slice(0, index).map((b) => b.hash).reverse(), comparedFrom };
    }
  }
  return { droppedHashes: candidates.map((b) => b.hash).reverse(), comparedFrom };
}

export interface ResumeFromParams {
  /** The current head. */
  head: FollowedBlock;
  chainId: number;
  checkpoint: CheckpointStore;
  depth: number;
  maxCatchUpBlocks: number;
  fetcher: Pick<BlockFetcher, 'byNumber'>;
  onReorg(event: ReorgEvent): Promise<void>;
  /** A reorg while stopped that dropped more than `depth` processed blocks, or whose ancestor was not found. */
  onDeepReorg?(event: DeepReorgEvent): void;
  /** The follower's retry loop: runs a step until it succeeds (or throws once stopped). */
  untilDone<T>(what: string, task: () => Promise<T>): Promise<T>;
  log: Logger;
}

/**
 * Where the local chain starts on (re)start: the base block the next processed block must link to,
 * or undefined to start by processing the head itself (no checkpoint, or no common ancestor).
 *
 * - a checkpoint no longer canonical (reorg while stopped): `onReorg` names exactly the processed
 *   blocks dropped, and the checkpoint moves back to the common ancestor first; deeper than `depth`,
 *   `onDeepReorg` is called first. No ancestor among the processed blocks kept: resume at the head
 *   (logged as an error naming what is not checked);
 * - more than `maxCatchUpBlocks` behind: the skipped range is logged as an error (never silently).
 */
export async function resumeFrom(params: ResumeFromParams): Promise<BlockHeader | undefined> {
  const { head, chainId, checkpoint, depth, maxCatchUpBlocks, fetcher, onReorg, untilDone, log } = params;
  const headNumber = head.header.number;
  const deepAlert = (event: DeepReorgEvent) => {
    try {
      params.onDeepReorg?.(event);
    } catch (error) {
      log.error({ block: event.commonAncestor.number, err: describeError(error) }, 'onDeepReorg threw');
    }
  };
  const saved = await untilDone('reading checkpoint', () => checkpoint.get());
  if (!saved) {
    log.info({ block: headNumber }, 'no checkpoint: starting at the current head');
    return undefined;
  }
  let base = await untilDone('reading checkpoint block', async () =>
    saved.number <= headNumber ? (await fetcher.byNumber(saved.number)).header : undefined,
  );
  if (base?.hash !== saved.hash) {
    const found = await untilDone('finding common ancestor', () =>
      findAncestorAfterRestart({ checkpoint, headNumber, fetchHeader: async (n) => (await fetcher.byNumber(n)).header }),
    );
    const { ancestor, droppedHashes, comparedFrom } = found;
    const newHead = { number: headNumber, hash: head.header.hash };
    if (!ancestor) {
      // Processing restarts with the head itself: its parent is where the new branch is taken up.
      const commonAncestor = { number: headNumber - 1, hash: head.header.parentHash };
      const atLeast = saved.number - (comparedFrom ?? saved.number) + 1; // every processed block kept was dropped
      log[atLeast > depth ? 'error' : 'warn'](
        { block: saved.number, head: headNumber, depth: atLeast, comparedFrom, skippedTo: commonAncestor.number, droppedHashes },
        `checkpoint not canonical and no common ancestor among the processed blocks from ${comparedFrom ?? saved.number} up; new-branch blocks up to ${commonAncestor.number} are NOT checked: resuming from the head`,
      );
      if (atLeast > depth) deepAlert({ chainId, depth: atLeast, commonAncestor, droppedHashes, newHead, unreconciled: { comparedFrom: comparedFrom ?? saved.number } });
      if (droppedHashes.length > 0) await untilDone('onReorg', () => onReorg({ chainId, droppedHashes, commonAncestor }));
      return undefined;
    }
    const commonAncestor = { number: ancestor.number, hash: ancestor.hash };
    const reorgDepth = saved.number - ancestor.number;
    if (reorgDepth > depth) {
      log.error({ block: ancestor.number, depth: reorgDepth, droppedHashes }, `reorg while stopped deeper than finalityDepth (${depth}): dropping blocks after the common ancestor`);
      deepAlert({ chainId, depth: reorgDepth, commonAncestor, droppedHashes, newHead });
    } else {
      log.warn({ block: ancestor.number, droppedHashes }, 'reorg while stopped: dropping blocks after the common ancestor');
    }
    await untilDone('onReorg', () => onReorg({ chainId, droppedHashes, commonAncestor }));
    await untilDone('checkpoint', () => checkpoint.set(ancestor, { rewind: true }));
    base = ancestor;
  }
  const missed = headNumber - base.number;
  if (missed > maxCatchUpBlocks) {
    const resumeAt = headNumber - maxCatchUpBlocks;
    log.error(
      { block: base.number, skippedFrom: base.number + 1, skippedTo: resumeAt, maxCatchUpBlocks },
      `SKIPPING blocks ${base.number + 1}..${resumeAt}: ${missed} blocks missed, more than maxCatchUpBlocks; they are NOT checked`,
    );
    return (await untilDone('reading catch-up base', () => fetcher.byNumber(resumeAt))).header;
  }
  if (missed > 0) log.info({ block: base.number, missed }, 'catching up from the checkpoint');
  return base;
}
