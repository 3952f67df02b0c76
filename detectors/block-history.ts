/**
 * Per-block entries a detector keeps in its state (balances, prices, invariant outcomes), with the
 * two rules every such list needs:
 *
 * - replay-safe: the entries "before" a block exclude the block itself, so reprocessing a block
 *   (after a crash, or a failed queue write) replaces its entry instead of comparing against it;
 * - reorg-safe: `onReorg` drops the entries of dropped blocks (`forgetDropped`), and a parent entry
 *   from another branch (a reorg the detector was not told about) is never used as "previous".
 */
import type { Hex } from 'viem';
import type { BlockHeader, DetectorState } from './types.js';

/** What every entry carries: the block it describes. */
export interface BlockEntry {
  number: number;
  hash: Hex;
}

/**
 * The stored entries that belong before `block`, oldest first: older than it, not older than
 * `windowBlocks` back (when given), and without a stale parent from another branch.
 */
export function entriesBefore<T extends BlockEntry>(block: BlockHeader, stored: readonly T[], windowBlocks?: number): T[] {
  const entries = stored
    .filter((entry) => entry.number < block.number && (windowBlocks === undefined || entry.number >= block.number - windowBlocks))
    .sort((a, b) => a.number - b.number);
  const parent = entries.find((entry) => entry.number === block.number - 1);
  if (parent && parent.hash.toLowerCase() !== block.parentHash.toLowerCase()) {
    return entries.filter((entry) => entry.number < block.number - 1);
  }
  return entries;
}

/** Removes the entries of dropped blocks from the list at `key`; writes only when something changed (safe to run twice). */
export async function forgetDropped(state: DetectorState, key: string, droppedHashes: readonly Hex[]): Promise<void> {
  const dropped = new Set(droppedHashes.map((hash) => hash.toLowerCase()));
  const entries = (await state.get<BlockEntry[]>(key)) ?? [];
  const kept = entries.filter((entry) => !dropped.has(entry.hash.toLowerCase()));
  if (kept.length !== entries.length) await state.set(key, kept);
}
