/**
 * `balance-drop` detector: a contract's ETH or ERC20 balance falls by more than a percentage of
 * its peak, or by more than an absolute amount, within the last `windowBlocks` blocks.
 *
 * It declares one read per block (balanceOf or the ETH balance) and keeps the balances of the
 * window in its state, one entry per block number, so reprocessing a block after a reorg replaces
 * the old entry. It raises only on a block where the balance went down versus the previous known
 * block: a vault that was drained and stays empty does not raise again every quiet block.
 * A failed read is skipped (no entry, no finding): missing data is never an alarm.
 */
import type { Abi, Hex } from 'viem';
import type { ResolvedContract } from '../src/config/contracts.js';
import { ConfigError } from '../src/config/errors.js';
import { entriesBefore, forgetDropped } from './block-history.js';
import { formatAmount, formatBps } from './format.js';
import type { BlockContext, Detector, DetectorState, Finding, Severity, StateRead } from './types.js';

export interface BalanceDropDetectorParameters {
  id: string;
  severity: Severity;
  chainId: number;
  /** The contract whose balance is watched. */
  holder: ResolvedContract;
  /** ERC20 token contract; omitted: the holder's ETH balance. */
  token?: ResolvedContract;
  /** Raise when the drop from the window's peak exceeds this percentage (0 < p <= 100; 100 means "to zero"). */
  dropPercent?: number;
  /** Raise when the drop from the window's peak exceeds this amount, in base units. */
  dropAmount?: bigint;
  windowBlocks: number;
}

/** One block's balance, as stored (JSON: the balance is a decimal string). */
export interface BalanceEntry {
  number: number;
  hash: Hex;
  balance: string;
}

/** The state key holding the window's entries, oldest first. */
export const windowStateKey = 'window';
export const balanceReadKey = 'balance';

const erc20BalanceOfAbi = [
  {
    type: 'function',
    name: 'balanceOf',
    stateMutability: 'view',
    inputs: [{ name: 'account', type: 'address' }],
    outputs: [{ name: '', type: 'uint256' }],
  },
] as const satisfies Abi;

const ppmPerPercent = 10_000;

/** Builds the detector. Throws ConfigError (paths relative to the detector entry) on a bad token or thresholds. */
export function createBalanceDropDetector(params: BalanceDropDetectorParameters): Detector {
  if (params.token && !hasBalanceOf(params.token)) {
    throw new ConfigError([
      {
        path: 'params.token',
        message: `contract "${params.token.name}" has no "function balanceOf(address) view returns (uint256)" in its ABI; is it an ERC20? (omit token to watch the ETH balance)`,
      },
    ]);
  }
  if (params.dropPercent === undefined && params.dropAmount === undefined) {
    throw new ConfigError([{ path: 'params', message: 'set dropPercent, dropAmount, or both' }]);
  }
  // Parts per million keep fractional percentages (0.5%) exact in bigint arithmetic.
  const dropPpm = params.dropPercent === undefined ? undefined : BigInt(Math.max(1, Math.round(params.dropPercent * ppmPerPercent)));
  const holder = params.holder;
  const token = params.token;
  const tokenLabel = token ? token.name : 'ETH';

  function exceeds(peak: bigint, current: bigint): boolean {
    const drop = peak - current;
    if (params.dropAmount !== undefined && drop > params.dropAmount) return true;
    if (dropPpm === undefined) return false;
    if (dropPpm >= 1_000_000n) return current === 0n && peak > 0n;
    return drop * 1_000_000n > peak * dropPpm;
  }

  return {
    id: params.id,
    kind: 'balance-drop',
    severity: params.severity,
    chainId: params.chainId,
    // Needs no logs: the balance read runs every block.
    watchedAddresses: [],
    reads(): StateRead[] {
      if (!token) return [{ key: balanceReadKey, type: 'ethBalance', address: holder.address }];
      return [
        { key: balanceReadKey, type: 'call', address: token.address, abi: erc20BalanceOfAbi, functionName: 'balanceOf', args: [holder.address] },
      ];
    },
    async onBlock(ctx: BlockContext, state: DetectorState): Promise<Finding[]> {
      const read = ctx.reads.get(balanceReadKey);
      if (!read || !read.ok || typeof read.value !== 'bigint') return [];
      const current = read.value;
      const block = ctx.block;
      const entries = entriesBefore(block, (await state.get<BalanceEntry[]>(windowStateKey)) ?? [], params.windowBlocks);
      const previous = entries.at(-1);
      entries.push({ number: block.number, hash: block.hash, balance: current.toString() });
      await state.set(windowStateKey, entries);

      if (!previous || current >= BigInt(previous.balance)) return [];
      const peakEntry = entries.reduce((best, entry) => (BigInt(entry.balance) > BigInt(best.balance) ? entry : best));
      const peak = BigInt(peakEntry.balance);
      if (!exceeds(peak, current)) return [];

      const drop = peak - current;
      const dropBps = (drop * 10_000n) / peak;
      const blocksAgo = block.number - peakEntry.number;
      return [
        {
          key: 'balance-drop',
          summary:
            `${holder.name} ${tokenLabel} balance fell ${formatBps(dropBps)} within ${blocksAgo} block${blocksAgo === 1 ? '' : 's'}: ` +
            `${formatAmount(peak)} → ${formatAmount(current)} (-${formatAmount(drop)})`,
          addresses: token ? [holder.address, token.address] : [holder.address],
          evidence: {
            holder: holder.name,
            holderAddress: holder.address,
            token: tokenLabel,
            ...(token ? { tokenAddress: token.address } : {}),
            peak: peak.toString(),
            peakBlock: peakEntry.number,
            previous: previous.balance,
            current: current.toString(),
            drop: drop.toString(),
            dropBps: Number(dropBps),
            windowBlocks: params.windowBlocks,
            ...(params.dropPercent !== undefined ? { dropPercent: params.dropPercent } : {}),
            ...(params.dropAmount !== undefined ? { dropAmount: params.dropAmount.toString() } : {}),
          },
        },
      ];
    },
    async onReorg(droppedHashes: Hex[], state: DetectorState): Promise<void> {
      await forgetDropped(state, windowStateKey, droppedHashes);
    },
  };
}

/** Whether the ABI has ERC20 `balanceOf(address) view returns (uint…)` (shared with outflow-rate). */
export function hasBalanceOf(contract: ResolvedContract): boolean {
  return contract.abi.some(
    (item) =>
      item.type === 'function' &&
      item.name === 'balanceOf' &&
      item.inputs.length === 1 &&
      item.inputs[0]?.type === 'address' &&
      item.outputs.length === 1 &&
      /^uint\d*$/.test(item.outputs[0]?.type ?? ''),
  );
}
