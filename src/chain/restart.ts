/**
 * After a restart whose checkpoint is no longer canonical (a reorg while warden was stopped):
 * find the newest processed block that still is, and the processed blocks that were dropped.
 * The follower only has hashes of what it processed (kept by the checkpoint store), so it compares
 * them with the canonical chain by number, newest first.
 */
import type { Hex } from 'viem';
import type { Logger } from 'pino';
import type { BlockHeader } from '../../detectors/types.js';
import type { BlockFetcher } from './block-fetcher.js';
import type { CheckpointStore } from './checkpoint.js';
import type { FollowedBlock, ReorgEvent } from './follower.js';

export interface AncestorSearch {
  /** Newest processed block still canonical (its canonical header), if found within `depth`. */
  ancestor?: BlockHeader;
  /** Processed blocks above the ancestor, lowest first (all within depth when none was found). */
  droppedHashes: Hex[];
}

export async function findAncestorAfterRestart(params: {
  checkpoint: CheckpointStore;
  headNumber: number;
  depth: number;
  fetchHeader(number: number): Promise<BlockHeader>;
}): Promise<AncestorSearch> {
  const processed = await params.checkpoint.recent(); // highest first
  const top = processed[0]?.number ?? 0;
  const candidates = processed.filter((b) => top - b.number <= params.depth);
  for (const [index, block] of candidates.entries()) {
    if (block.number > params.headNumber) continue; // the chain got shorter: certainly dropped
    const canonical = await params.fetchHeader(block.number);
    if (canonical.hash === block.hash) {
      return { ancestor: canonical, droppedHashes: candidates.slice(0, index).map((b) => b.hash).reverse() };
    }
  }
  return { droppedHashes: candidates.map((b) => b.hash).reverse() };
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
  /** The follower's retry loop: runs a step until it succeeds (or throws once stopped). */
  untilDone<T>(what: string, task: () => Promise<T>): Promise<T>;
  log: Logger;
}

/**
 * Where the local chain starts on (re)start: the base block the next processed block must link to,
 * or undefined to start by processing the head itself (no checkpoint, or no common ancestor).
 *
 * - a checkpoint no longer canonical (reorg while stopped): `onReorg` names exactly the processed
 *   blocks dropped, and the checkpoint moves back to the common ancestor first;
 * - more than `maxCatchUpBlocks` behind: the skipped range is logged as an error (never silently).
 */
export async function resumeFrom(params: ResumeFromParams): Promise<BlockHeader | undefined> {
  const { head, chainId, checkpoint, depth, maxCatchUpBlocks, fetcher, onReorg, untilDone, log } = params;
  const headNumber = head.header.number;
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
      findAncestorAfterRestart({ checkpoint, headNumber, depth, fetchHeader: async (n) => (await fetcher.byNumber(n)).header }),
    );
    const { ancestor, droppedHashes } = found;
    if (!ancestor) {
      log.error({ block: saved.number }, `checkpoint not canonical and no common ancestor within ${depth} blocks; resuming from the head`);
      if (droppedHashes.length > 0) await untilDone('onReorg', () => onReorg({ chainId, droppedHashes, commonAncestor: { number: headNumber, hash: head.header.hash } }));
      return undefined;
    }
    log.warn({ block: ancestor.number, droppedHashes }, 'reorg while stopped: dropping blocks after the common ancestor');
    await untilDone('onReorg', () => onReorg({ chainId, droppedHashes, commonAncestor: { number: ancestor.number, hash: ancestor.hash } }));
    await untilDone('checkpoint', () => checkpoint.set(ancestor));
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
