/**
 * `oracle-deviation` detector: a price read deviates from a reference read by more than
 * `maxDeviationPercent`, or moves more than `maxMovePercent` from the previous block's price.
 *
 * - `price` and `reference` are number expressions over contract reads, e.g.
 *   `feed.latestRoundData().answer` (Chainlink-style) and `pool.reserve1() * 1e18 / pool.reserve0()`
 *   (a pool's reserves ratio). Both are scaled to 18 decimals with `priceDecimals` /
 *   `referenceDecimals` before comparing. All reads of both go into the processor's one multicall.
 * - Deviation = |price - reference| / reference. It raises when the price starts deviating, not on
 *   every block while it deviates, and again after it came back within bounds and left them again.
 * - Move = |price - previous block's price| / previous block's price, with the previous price
 *   taken from state (only the parent block's entry on the same branch counts). Every such jump
 *   raises: a move is an event, not a condition.
 * - A failed read, a division by zero or a reference <= 0 makes the block unknown: nothing is raised
 *   and the deviation status carries over. Entries are per block (replay- and reorg-safe).
 */
import { formatUnits, type Hex } from 'viem';
import type { ResolvedContract } from '../src/config/contracts.js';
import { ConfigError } from '../src/config/errors.js';
import { entriesBefore, forgetDropped, type BlockEntry } from './block-history.js';
import { chainOfReads, compileReadingExpression, readValues, stateReads } from './expression-reads.js';
import { formatBps } from './format.js';
import type { BlockContext, Detector, DetectorState, Finding, Severity, StateRead } from './types.js';

export interface OracleDeviationDetectorParameters {
  id: string;
  severity: Severity;
  contracts: Map<string, ResolvedContract>;
  /** Number expression of the watched price. */
  price: string;
  /** Decimals of the price value (a Chainlink USD feed: 8). Default 18. */
  priceDecimals?: number;
  reference?: string;
  referenceDecimals?: number;
  maxDeviationPercent?: number;
  maxMovePercent?: number;
}

/** One block's price (raw, decimal string) and whether it deviated (undefined: unknown). */
export interface PriceEntry extends BlockEntry {
  price?: string;
  deviated?: boolean;
}

export const pricesStateKey = 'prices';
const keptEntries = 32;
const scale = 18;

export function createOracleDeviationDetector(params: OracleDeviationDetectorParameters): Detector {
  if (params.maxDeviationPercent === undefined && params.maxMovePercent === undefined) {
    throw new ConfigError([{ path: 'params', message: 'set maxDeviationPercent (with a reference), maxMovePercent, or both' }]);
  }
  if (params.maxDeviationPercent !== undefined && params.reference === undefined) {
    throw new ConfigError([{ path: 'params.reference', message: 'maxDeviationPercent compares the price with a reference: set reference, e.g. pool.reserve1() * 1e18 / pool.reserve0()' }]);
  }
  const issues: ConfigError['issues'] = [];
  const compile = (source: string, path: string) => {
    try {
      return compileReadingExpression({ source, path, contracts: params.contracts, type: 'number' });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues);
      return undefined;
    }
  };
  const price = compile(params.price, 'params.price');
  const reference = params.reference === undefined ? undefined : compile(params.reference, 'params.reference');
  if (issues.length > 0) throw new ConfigError(issues);
  const allReads = [...new Map([...price!.reads, ...(reference?.reads ?? [])].map((read) => [read.key, read])).values()];
  const chainId = chainOfReads(allReads, params.contracts, 'params.price');
  const declared = stateReads(allReads);
  const addresses = [...new Set(allReads.map((read) => read.address))];
  const priceDecimals = params.priceDecimals ?? scale;
  const referenceDecimals = params.referenceDecimals ?? scale;
  const deviationPpm = toPpm(params.maxDeviationPercent);
  const movePpm = toPpm(params.maxMovePercent);

  return {
    id: params.id,
    kind: 'oracle-deviation',
    severity: params.severity,
    chainId,
    watchedAddresses: [],
    reads(): StateRead[] {
      return declared;
    },
    async onBlock(ctx: BlockContext, state: DetectorState): Promise<Finding[]> {
      const before = entriesBefore(ctx.block, (await state.get<PriceEntry[]>(pricesStateKey)) ?? []);
      const gathered = readValues(ctx.reads, allReads);
      const priceResult = gathered.ok ? price!.evaluate(gathered.values) : undefined;
      const referenceResult = gathered.ok && reference ? reference.evaluate(gathered.values) : undefined;
      const current = priceResult?.ok ? priceResult.value : undefined;
      const referenceValue = referenceResult?.ok && referenceResult.value > 0n ? referenceResult.value : undefined;

      const findings: Finding[] = [];
      const values = gathered.ok ? gathered.values : {};
      let deviated: boolean | undefined;
      if (deviationPpm !== undefined && current !== undefined && referenceValue !== undefined) {
        const [p, r] = [scaled(current, priceDecimals), scaled(referenceValue, referenceDecimals)];
        const ppm = (abs(p - r) * 1_000_000n) / r;
        deviated = ppm > deviationPpm;
        const lastKnown = [...before].reverse().find((entry) => entry.deviated !== undefined);
        if (deviated && !lastKnown?.deviated) {
          findings.push({
            key: 'deviation',
            summary: `${params.price} = ${show(p)} deviates ${formatBps(ppm / 100n)} from ${params.reference} = ${show(r)} (max ${params.maxDeviationPercent}%)`,
            addresses,
            evidence: { price: p.toString(), reference: r.toString(), deviationBps: Number(ppm / 100n), maxDeviationPercent: params.maxDeviationPercent, reads: values },
          });
        }
      }
      const parent = before.at(-1);
      if (movePpm !== undefined && current !== undefined && parent?.number === ctx.block.number - 1 && parent.price !== undefined && BigInt(parent.price) > 0n) {
        const previous = BigInt(parent.price);
        const ppm = (abs(current - previous) * 1_000_000n) / previous;
        if (ppm > movePpm) {
          const [from, to] = [scaled(previous, priceDecimals), scaled(current, priceDecimals)];
          findings.push({
            key: 'move',
            summary: `${params.price} moved ${current > previous ? '+' : '-'}${formatBps(ppm / 100n)} in one block: ${show(from)} → ${show(to)} (max ${params.maxMovePercent}%)`,
            addresses,
            evidence: { previousPrice: from.toString(), price: to.toString(), moveBps: Number(ppm / 100n), maxMovePercent: params.maxMovePercent, previousBlock: parent.number, reads: values },
          });
        }
      }
      const entry: PriceEntry = { number: ctx.block.number, hash: ctx.block.hash, ...(current !== undefined ? { price: current.toString() } : {}), ...(deviated !== undefined ? { deviated } : {}) };
      await state.set(pricesStateKey, [...before, entry].slice(-keptEntries));
      return findings;
    },
    async onReorg(droppedHashes: Hex[], state: DetectorState): Promise<void> {
      await forgetDropped(state, pricesStateKey, droppedHashes);
    },
  };
}

function toPpm(percent: number | undefined): bigint | undefined {
  return percent === undefined ? undefined : BigInt(Math.max(1, Math.round(percent * 10_000)));
}

/** `value` with `decimals` decimals, as an 18-decimal fixed-point number. */
function scaled(value: bigint, decimals: number): bigint {
  return decimals <= scale ? value * 10n ** BigInt(scale - decimals) : value / 10n ** BigInt(decimals - scale);
}

function abs(value: bigint): bigint {
  return value < 0n ? -value : value;
}

/** An 18-decimal value for people: `1999.95`, at most 6 decimals. */
function show(value: bigint): string {
  const [whole, fraction = ''] = formatUnits(value, scale).split('.');
  const kept = fraction.slice(0, 6).replace(/0+$/, '');
  return kept ? `${whole}.${kept}` : whole!;
}
