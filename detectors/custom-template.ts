/**
 * A custom detector, as a template: copy this file, rename it, and name it in your config:
 *
 *   detectors:
 *     - id: withdrawal-burst
 *       kind: custom
 *       severity: high
 *       module: ./detectors/withdrawal-burst.ts   # relative to the config file
 *       contracts: [vault]                        # their logs reach onBlock; addresses and ABIs in setup.contracts
 *       params: { event: Withdraw, maxEvents: 5, windowBlocks: 10 }
 *
 * What it does: raises when the watched contracts emit more than `maxEvents` `event` logs within
 * `windowBlocks` blocks — e.g. a burst of withdrawals as a pool is emptied through many accounts.
 * It shows every part a custom detector may use: a params schema, reads, logs, state, onReorg.
 *
 * The rules are those of the built-in kinds (detectors/README.md):
 * - no RPC calls, no clock, no randomness in onBlock: declare view calls in `reads` (they join the
 *   one multicall per block) and find the results in `ctx.reads`;
 * - keep state small and keyed by block, so a replayed block overwrites what it wrote, and forget
 *   dropped blocks in `onReorg`;
 * - never throw on data (a failed read is missing data, not an alarm); finding keys are unique per block.
 *
 * warden runs modules under tsx: import from warden's detectors/ with .js suffixes, as below (from
 * a module next to your config, the path is e.g. '../detectors/define.js').
 */
import { z } from 'zod';
import { entriesBefore, forgetDropped, type BlockEntry } from './block-history.js';
import { defineDetector, readCall } from './define.js';

/** One block's count of matching logs, kept in state. */
interface CountEntry extends BlockEntry {
  count: number;
}

const countsKey = 'counts';

export default defineDetector({
  // Checked when the config loads: a wrong or missing value fails `warden check` and start-up with
  // `detectors[i].params.maxEvents: ...`.
  params: z
    .object({
      event: z.string().min(1).default('Withdraw'),
      maxEvents: z.number().int().positive(),
      windowBlocks: z.number().int().positive().max(1_000).default(10),
    })
    .strict(),

  // Optional: `events: ['event Withdraw(address indexed account, uint256 assets, uint256 shares)']`
  // lets warden skip blocks whose bloom rules them out and pass only those logs. Here the event is a
  // param, so every log of the contracts arrives and onBlock filters by name.

  // Read totalSupply() of every contract that has it, for the evidence.
  reads(_block, { contracts }) {
    return Object.values(contracts)
      .filter((contract) => contract.abi.some((item) => item.type === 'function' && item.name === 'totalSupply' && item.inputs.length === 0))
      .map((contract) => readCall(contract, 'totalSupply'));
  },

  async onBlock(ctx, state, { params }) {
    const matching = ctx.logs.filter((log) => log.eventName === params.event);
    const stored = (await state.get<CountEntry[]>(countsKey)) ?? [];
    const window = entriesBefore(ctx.block, stored, params.windowBlocks - 1);
    if (matching.length === 0 && stored.length === window.length) return []; // nothing new to store
    await state.set(countsKey, [...window, { number: ctx.block.number, hash: ctx.block.hash, count: matching.length }]);
    if (matching.length === 0) return [];

    const before = window.reduce((sum, entry) => sum + entry.count, 0);
    const total = before + matching.length;
    // Raise when this block crosses the limit, not on every block while the window stays above it.
    if (total <= params.maxEvents || before > params.maxEvents) return [];
    const supplies = Object.fromEntries(
      [...ctx.reads].filter(([, result]) => result.ok).map(([key, result]) => [key, (result as { value: unknown }).value]),
    );
    return [
      {
        key: 'burst',
        summary: `${total} ${params.event} events within ${params.windowBlocks} blocks (max ${params.maxEvents})`,
        txHashes: [...new Set(matching.map((log) => log.transactionHash))],
        addresses: [...new Set(matching.map((log) => log.address))],
        evidence: { event: params.event, count: total, maxEvents: params.maxEvents, windowBlocks: params.windowBlocks, reads: supplies },
      },
    ];
  },

  async onReorg(droppedHashes, state) {
    await forgetDropped(state, countsKey, droppedHashes);
  },
});
