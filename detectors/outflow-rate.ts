/**
 * `outflow-rate` detector, in the spirit of ERC-7265 circuit breakers: the net outflow of an ERC20
 * token from a set of contracts over a sliding window (`windowBlocks` or `windowSeconds`) exceeds a
 * percentage of what they held at the window start, or an absolute amount.
 *
 * - Flows come from the token's Transfer logs (the block processor's one eth_getLogs); holdings
 *   from ONE balanceOf read per contract per block (its one multicall). No call per transfer.
 * - Transfers between the watched contracts are internal: neither outflow nor inflow.
 * - Holdings at the window start = holdings now + net outflow within the window. Exact when the
 *   balance only changes through Transfers; a rebasing token drifts by its rebases.
 * - Only blocks with flows are stored (number, hash, time, outflow, inflow, exceeded): quiet blocks
 *   cost no state write. `onReorg` drops the entries of dropped blocks.
 * - It raises on a block with a net outflow that puts the window over a threshold, when the previous
 *   flow in the window had not: once per breach, again after the window fell back under and
 *   crossed again.
 * - A failed balance read skips the percentage check for that block (the amount check still runs).
 *
 * ETH is not supported: plain ETH transfers emit no logs, so measuring them would need traces.
 */
import { getAddress, parseAbiItem, toEventSelector, type Abi, type Address, type Hex } from 'viem';
import type { ResolvedContract } from '../src/config/contracts.js';
import { ConfigError } from '../src/config/errors.js';
import { hasBalanceOf } from './balance-drop.js';
import { entriesBefore, forgetDropped, type BlockEntry } from './block-history.js';
import { formatAmount, formatBps } from './format.js';
import type { BlockContext, DecodedLog, Detector, DetectorState, Finding, Severity, StateRead } from './types.js';

export interface OutflowRateDetectorParameters {
  id: string;
  severity: Severity;
  chainId: number;
  token: ResolvedContract;
  /** The contracts whose combined holdings are watched. */
  holders: ResolvedContract[];
  /** Exactly one of windowBlocks and windowSeconds. */
  windowBlocks?: number;
  windowSeconds?: number;
  maxOutflowPercent?: number;
  /** In base units. */
  maxOutflow?: bigint;
}

/** One block's flows, as stored (amounts as decimal strings). */
export interface FlowEntry extends BlockEntry {
  timestamp: number;
  outflow: string;
  inflow: string;
  /** Whether the window ending at this block was over a threshold. */
  exceeded: boolean;
}

export const flowsStateKey = 'flows';
const transferEvent = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)');
const transferSelector = toEventSelector(transferEvent).toLowerCase();
const balanceOfAbi = [
  { type: 'function', name: 'balanceOf', stateMutability: 'view', inputs: [{ name: 'account', type: 'address' }], outputs: [{ name: '', type: 'uint256' }] },
] as const satisfies Abi;

export function createOutflowRateDetector(params: OutflowRateDetectorParameters): Detector {
  const { token, holders } = params;
  if (!hasBalanceOf(token)) {
    throw new ConfigError([{ path: 'params.token', message: `contract "${token.name}" has no "function balanceOf(address) view returns (uint256)" in its ABI; is it an ERC20? (ETH outflows are not supported: they emit no logs)` }]);
  }
  const tokenIndex = holders.findIndex((holder) => holder.address === token.address);
  if (tokenIndex >= 0) throw new ConfigError([{ path: `params.contracts[${tokenIndex}]`, message: `"${holders[tokenIndex]!.name}" is the token itself; list the contracts that hold it` }]);
  if ((params.windowBlocks === undefined) === (params.windowSeconds === undefined)) {
    throw new ConfigError([{ path: 'params', message: 'set exactly one of windowBlocks and windowSeconds' }]);
  }
  if (params.maxOutflowPercent === undefined && params.maxOutflow === undefined) {
    throw new ConfigError([{ path: 'params', message: 'set maxOutflowPercent, maxOutflow, or both' }]);
  }
  const watched = new Set(holders.map((holder) => holder.address.toLowerCase()));
  const ppm = params.maxOutflowPercent === undefined ? undefined : BigInt(Math.max(1, Math.round(params.maxOutflowPercent * 10_000)));
  const windowLabel = params.windowBlocks !== undefined ? `${params.windowBlocks} blocks` : `${params.windowSeconds} s`;
  const names = holders.map((holder) => holder.name).join(', ');

  function inWindow(entry: FlowEntry, block: BlockContext['block']): boolean {
    return params.windowBlocks !== undefined ? entry.number > block.number - params.windowBlocks : entry.timestamp > block.timestamp - params.windowSeconds!;
  }

  function exceeds(net: bigint, startHoldings: bigint | undefined): { amount: boolean; percent: boolean } {
    if (net <= 0n) return { amount: false, percent: false };
    return {
      amount: params.maxOutflow !== undefined && net > params.maxOutflow,
      percent: ppm !== undefined && startHoldings !== undefined && startHoldings > 0n && net * 1_000_000n > startHoldings * ppm,
    };
  }

  return {
    id: params.id,
    kind: 'outflow-rate',
    severity: params.severity,
    chainId: params.chainId,
    watchedAddresses: [token.address],
    events: [transferEvent],
    reads(): StateRead[] {
      return holders.map((holder) => ({ key: `balance:${holder.address}`, type: 'call', address: token.address, abi: balanceOfAbi, functionName: 'balanceOf', args: [holder.address] }));
    },
    async onBlock(ctx: BlockContext, state: DetectorState): Promise<Finding[]> {
      const flows = blockFlows(ctx.logs, watched);
      if (flows.outflow === 0n && flows.inflow === 0n) return [];
      const block = ctx.block;
      const before = entriesBefore(block, (await state.get<FlowEntry[]>(flowsStateKey)) ?? []).filter((entry) => inWindow(entry, block));
      const net = before.reduce((sum, entry) => sum + BigInt(entry.outflow) - BigInt(entry.inflow), flows.outflow - flows.inflow);
      const holdings = totalHoldings(ctx, holders);
      const startHoldings = holdings === undefined ? undefined : holdings + net;
      const over = exceeds(net, startHoldings);
      const exceeded = over.amount || over.percent;
      const entry: FlowEntry = { number: block.number, hash: block.hash, timestamp: block.timestamp, outflow: flows.outflow.toString(), inflow: flows.inflow.toString(), exceeded };
      await state.set(flowsStateKey, [...before, entry]);

      const previous = before.at(-1);
      if (!exceeded || flows.outflow <= flows.inflow || previous?.exceeded) return [];
      const bps = startHoldings && startHoldings > 0n ? (net * 10_000n) / startHoldings : undefined;
      const limits = [
        ...(over.percent ? [`maxOutflowPercent ${params.maxOutflowPercent}%`] : []),
        ...(over.amount ? [`maxOutflow ${formatAmount(params.maxOutflow!)}`] : []),
      ];
      return [
        {
          key: 'outflow-rate',
          summary:
            `net outflow of ${token.name} from ${names}: ${formatAmount(net)} within ${windowLabel}` +
            `${bps !== undefined ? ` (${formatBps(bps)} of ${formatAmount(startHoldings!)} at the window start)` : ''} exceeds ${limits.join(' and ')}`,
          txHashes: flows.outflowTxs,
          addresses: [token.address, ...holders.map((holder) => holder.address)],
          evidence: {
            token: token.name,
            tokenAddress: token.address,
            contracts: holders.map((holder) => holder.name),
            netOutflow: net.toString(),
            blockOutflow: flows.outflow.toString(),
            blockInflow: flows.inflow.toString(),
            ...(startHoldings !== undefined ? { windowStartHoldings: startHoldings.toString(), holdings: holdings!.toString() } : {}),
            ...(bps !== undefined ? { outflowBps: Number(bps) } : {}),
            windowFirstBlock: before[0]?.number ?? block.number,
            ...(params.windowBlocks !== undefined ? { windowBlocks: params.windowBlocks } : { windowSeconds: params.windowSeconds }),
            ...(params.maxOutflowPercent !== undefined ? { maxOutflowPercent: params.maxOutflowPercent } : {}),
            ...(params.maxOutflow !== undefined ? { maxOutflow: params.maxOutflow.toString() } : {}),
          },
        },
      ];
    },
    async onReorg(droppedHashes: Hex[], state: DetectorState): Promise<void> {
      await forgetDropped(state, flowsStateKey, droppedHashes);
    },
  };
}

/** This block's outflow and inflow of the watched set (internal transfers excluded), from raw topics: any ABI naming works. */
function blockFlows(logs: readonly DecodedLog[], watched: Set<string>): { outflow: bigint; inflow: bigint; outflowTxs: Hex[] } {
  let outflow = 0n;
  let inflow = 0n;
  const outflowTxs = new Set<Hex>();
  for (const log of logs) {
    if (log.topics[0]?.toLowerCase() !== transferSelector || log.topics.length !== 3 || log.data.length !== 66) continue;
    const from = topicAddress(log.topics[1]!).toLowerCase();
    const to = topicAddress(log.topics[2]!).toLowerCase();
    const value = BigInt(log.data);
    const fromWatched = watched.has(from);
    if (fromWatched === watched.has(to)) continue; // internal, or not ours
    if (fromWatched) {
      outflow += value;
      outflowTxs.add(log.transactionHash);
    } else inflow += value;
  }
  return { outflow, inflow, outflowTxs: [...outflowTxs] };
}

function topicAddress(topic: Hex): Address {
  return getAddress(`0x${topic.slice(-40)}`);
}

/** Sum of the holders' balances at this block, or undefined when any read failed. */
function totalHoldings(ctx: BlockContext, holders: ResolvedContract[]): bigint | undefined {
  let total = 0n;
  for (const holder of holders) {
    const read = ctx.reads.get(`balance:${holder.address}`);
    if (!read?.ok || typeof read.value !== 'bigint') return undefined;
    total += read.value;
  }
  return total;
}
