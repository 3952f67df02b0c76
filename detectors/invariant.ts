/**
 * `invariant` detector: a condition over view-call reads of watched contracts that should always
 * hold, e.g. `vault.totalAssets() >= vault.totalSupply() * 99 / 100` or
 * `token.balanceOf(pool) >= pool.reserve0()`, checked every block or every `everyBlocks` blocks.
 *
 * - Reads are named in the expression and declared in `reads()`; the block processor batches them
 *   with every other detector's into its one multicall. The detector never calls the RPC.
 * - It raises once when the invariant becomes false, not on every block while it stays false, and
 *   again after it held at a later check and broke again. The outcome of each check is kept per
 *   block (replay- and reorg-safe: see block-history.ts).
 * - A check whose reads failed (revert, undecodable) or whose arithmetic failed (division by zero)
 *   is "unknown": never a violation, and it does not reset a violation in progress. With
 *   `raiseAfterFailedChecks: K`, K unknown checks in a row raise one `checks-failing` finding — a
 *   getter that starts reverting can itself be the symptom of an exploit.
 */
import type { Hex } from 'viem';
import type { ResolvedContract } from '../src/config/contracts.js';
import { entriesBefore, forgetDropped, type BlockEntry } from './block-history.js';
import { chainOfReads, compileReadingExpression, readValues, stateReads } from './expression-reads.js';
import type { BlockContext, Detector, DetectorState, Finding, Severity, StateRead } from './types.js';

export interface InvariantDetectorParameters {
  id: string;
  severity: Severity;
  /** The condition that must hold, over contract reads. */
  expression: string;
  /** Config contracts the expression may read, by name. */
  contracts: Map<string, ResolvedContract>;
  /** Check on blocks whose number is a multiple of this (1: every block). */
  everyBlocks: number;
  /** Raise once after this many consecutive checks could not be evaluated; omitted: never. */
  raiseAfterFailedChecks?: number;
}

/** One check's outcome, as stored. `failures`: consecutive unknown checks up to and including this one. */
export interface InvariantEntry extends BlockEntry {
  status: 'holds' | 'broken' | 'unknown';
  failures: number;
}

export const historyStateKey = 'history';
/** Enough checks back to survive any reorg a follower reports, small enough to rewrite every block. */
const keptEntries = 32;

/** Builds the detector. Throws ConfigError (paths relative to the detector entry) when the expression does not compile. */
export function createInvariantDetector(params: InvariantDetectorParameters): Detector {
  const condition = compileReadingExpression({ source: params.expression, path: 'params.expression', contracts: params.contracts, type: 'condition' });
  const chainId = chainOfReads(condition.reads, params.contracts, 'params.expression');
  const declared = stateReads(condition.reads);
  const addresses = [...new Set(condition.reads.map((read) => read.address))];
  const isCheckBlock = (number: number) => number % params.everyBlocks === 0;

  return {
    id: params.id,
    kind: 'invariant',
    severity: params.severity,
    chainId,
    // Needs no logs: only reads.
    watchedAddresses: [],
    reads(block): StateRead[] {
      return isCheckBlock(block.number) ? declared : [];
    },
    async onBlock(ctx: BlockContext, state: DetectorState): Promise<Finding[]> {
      if (!isCheckBlock(ctx.block.number)) return [];
      const stored = (await state.get<InvariantEntry[]>(historyStateKey)) ?? [];
      const before = entriesBefore(ctx.block, stored);
      const lastKnown = [...before].reverse().find((entry) => entry.status !== 'unknown');
      const previous = before.at(-1);

      const gathered = readValues(ctx.reads, condition.reads);
      const outcome = gathered.ok ? condition.evaluate(gathered.values) : undefined;
      const status: InvariantEntry['status'] = outcome?.ok ? (outcome.value ? 'holds' : 'broken') : 'unknown';
      const failures = status === 'unknown' ? (previous?.status === 'unknown' ? previous.failures : 0) + 1 : 0;
      const entry: InvariantEntry = { number: ctx.block.number, hash: ctx.block.hash, status, failures };
      await state.set(historyStateKey, [...before, entry].slice(-keptEntries));

      if (status === 'broken' && lastKnown?.status !== 'broken') {
        const values = gathered.ok ? gathered.values : {};
        const shown = Object.entries(values).map(([key, value]) => `${key} = ${String(value)}`);
        return [
          {
            key: 'invariant-broken',
            summary: `invariant broken: ${params.expression}${shown.length > 0 ? ` (${shown.join(', ')})` : ''}`,
            addresses,
            evidence: {
              expression: params.expression,
              reads: values,
              ...(lastKnown ? { heldAtBlock: lastKnown.number } : {}),
              everyBlocks: params.everyBlocks,
            },
          },
        ];
      }
      if (status === 'unknown' && params.raiseAfterFailedChecks !== undefined && failures === params.raiseAfterFailedChecks) {
        const reason = gathered.ok ? (outcome && !outcome.ok ? outcome.error : 'evaluation failed') : gathered.failed.map((f) => `${f.key}: ${f.error}`).join('; ');
        return [
          {
            key: 'checks-failing',
            summary: `invariant could not be checked ${failures} times in a row: ${reason}`,
            addresses,
            evidence: { expression: params.expression, failures, reason, ...(lastKnown ? { lastKnown: lastKnown.status, lastKnownBlock: lastKnown.number } : {}) },
          },
        ];
      }
      return [];
    },
    async onReorg(droppedHashes: Hex[], state: DetectorState): Promise<void> {
      await forgetDropped(state, historyStateKey, droppedHashes);
    },
  };
}
