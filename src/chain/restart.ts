/**
 * After a restart whose checkpoint is no longer canonical (a reorg while warden was stopped):
 * find the newest processed block that still is, and the processed blocks that were dropped.
 * The follower only has hashes of what it processed (kept by the checkpoint store), so it compares
 * them with the canonical chain by number, newest first.
 */
import type { Hex } from 'viem';
import type { BlockHeader } from '../../detectors/types.js';
import type { CheckpointStore } from './checkpoint.js';

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
