/**
 * Runs a chain's detectors on one block's data — header, raw logs, read results, transactions —
 * and builds the Anomaly records. No I/O of its own (beyond the detectors' state): the live block
 * processor (block-processor.ts) and `warden replay` (src/replay/) fetch the data their own way and
 * share this, so a replayed block yields exactly the anomalies (and ids) the live follower raised.
 *
 * Guarantees:
 * - only logs whose address and topic0 some detector wants are decoded (with the contract's ABI);
 *   each detector gets its own logs, in log order;
 * - a detector whose `reads()` or `onBlock()` throws is logged with its id and skipped for this block;
 *   the others still run;
 * - except when its state failed during the call — even if the detector caught that error: then
 *   `evaluate()` / `handleReorg()` reject with that `DetectorStateError` (the block must be retried);
 * - per detector and block: one evaluation, its hits (anomalies), errors and time spent (see `DetectorRunStats`).
 */
import { getAddress, toEventSelector, type Address, type Hex, type Log } from 'viem';
import type { Logger } from 'pino';
import {
  anomalyId,
  jsonSafe,
  type Anomaly,
  type BlockContext,
  type BlockHeader,
  type BlockTransaction,
  type DecodedLog,
  type Detector,
  type DetectorState,
  type ObservedAt,
  type ReadResult,
  type StateRead,
} from '../../detectors/types.js';
import type { ResolvedContract } from '../config/contracts.js';
import { bloomMayContain } from './bloom.js';
import { trackStateFailures } from './detector-state.js';
import { cachedAddress, createLogDecoder } from './log-decoder.js';
import { describeError } from '../errors.js';

export interface PrepareDetectorsParameters {
  chainId: number;
  chainName: string;
  /** Contracts of this chain (their ABIs decode logs). */
  contracts: ResolvedContract[];
  /** Detectors; those of other chains are ignored. */
  detectors: Detector[];
  /** Each detector's state: Redis for the daemon, memory for a replay. */
  stateFor(detector: Detector): DetectorState;
  log: Logger;
  /**
   * How detectors run within a block. `parallel` (default): their state round trips overlap (live,
   * Redis); the time of a detector that returns a promise then runs until it settles, state round trips
   * (and others' work meanwhile) included. `sequential`: one after another, so each time is its own
   * (replay, in-memory state). A synchronous detector's time is exact either way.
   */
  run?: 'parallel' | 'sequential';
}

/** What one detector did on one block. */
export interface DetectorRunStats {
  detectorId: string;
  /** 1 when onBlock ran, 0 when the detector was skipped (its reads() threw). */
  evaluations: number;
  /** Anomalies it raised. */
  hits: number;
  /** 1 when its reads() or onBlock() threw. */
  errors: number;
  /** Time in its onBlock (see `run`), ms. */
  ms: number;
}

/** The reads of one block, all detectors together, in the order they go into the multicall. */
export interface PlannedReads {
  all: StateRead[];
  byDetector: Map<string, StateRead[]>;
  /** Detectors whose reads() threw: skipped for this block. */
  skipped: Set<string>;
}

export interface BlockData {
  header: BlockHeader;
  observedAt: ObservedAt;
  /** Raw logs of this block from eth_getLogs (any of the watched addresses; any order). */
  logs: readonly Log[];
  reads: PlannedReads;
  /** Results of `reads.all`, in that order. */
  readResults: readonly ReadResult[];
  /** Needed when `needsTransactions` is set. */
  transactions?: BlockTransaction[];
}

export interface BlockEvaluation {
  anomalies: Anomaly[];
  stats: DetectorRunStats[];
  /** Logs decoded (those some detector wanted). */
  decodedLogs: number;
}

export interface PreparedDetectors {
  detectors: Detector[];
  /** Addresses whose logs some detector wants; empty: never an eth_getLogs. */
  watched: Address[];
  /**
   * topic0 values an eth_getLogs may filter on: every event any detector wants. Undefined when some
   * detector wants every log of its addresses.
   */
  topics?: Hex[];
  /** Strongest transactions need of any detector: false, true, or 'receipts'. */
  needsTransactions: false | true | 'receipts';
  /** Whether any detector declares reads (then every block needs its header and a multicall). */
  hasReads: boolean;
  /** False when the logsBloom rules out every detector's logs (by address and declared events). */
  mayHaveLogs(logsBloom: Hex): boolean;
  planReads(header: BlockHeader): PlannedReads;
  evaluate(block: BlockData): Promise<BlockEvaluation>;
  /** Tells each detector with `onReorg` which hashes were dropped. */
  handleReorg(droppedHashes: Hex[], commonAncestorNumber: number): Promise<void>;
}

interface Prepared {
  detector: Detector;
  addresses: Set<string>; // lowercase
  selectors?: Set<string>; // lowercase topic0 of declared events
  state: DetectorState;
}

export function prepareDetectors(params: PrepareDetectorsParameters): PreparedDetectors {
  const { chainId, chainName, log } = params;
  const contractsByAddress = new Map(
    params.contracts.filter((c) => c.chainId === chainId).map((c) => [c.address.toLowerCase(), { contract: c, decode: createLogDecoder(c.abi) }]),
  );
  const prepared: Prepared[] = params.detectors
    .filter((d) => d.chainId === chainId)
    .map((detector) => ({
      detector,
      addresses: new Set(detector.watchedAddresses.map((a) => a.toLowerCase())),
      selectors: detector.events?.length ? new Set(detector.events.map((e) => toEventSelector(e).toLowerCase())) : undefined,
      state: params.stateFor(detector),
    }));
  const byAddress = new Map<string, Prepared[]>();
  for (const p of prepared) for (const a of p.addresses) byAddress.set(a, [...(byAddress.get(a) ?? []), p]);
  const watched = [...byAddress.keys()].map((a) => getAddress(a));
  const withLogs = prepared.filter((p) => p.addresses.size > 0);
  const topics = withLogs.every((p) => p.selectors) ? [...new Set(withLogs.flatMap((p) => [...p.selectors!]))] as Hex[] : undefined;
  const needs = prepared.map((p) => p.detector.needsTransactions ?? false);
  const needsTransactions = needs.includes('receipts') ? 'receipts' : needs.includes(true);

  function mayHaveLogs(p: Prepared, bloom: Hex): boolean {
    if (![...p.addresses].some((a) => bloomMayContain(bloom, a as Hex))) return false;
    return !p.selectors || [...p.selectors].some((s) => bloomMayContain(bloom, s as Hex));
  }

  function decode(raw: Log): DecodedLog {
    const lower = raw.address.toLowerCase();
    const known = contractsByAddress.get(lower);
    const address = cachedAddress(lower.slice(2));
    const decoded = known?.decode(raw.topics, raw.data);
    let args: Record<string, unknown> = {};
    // Undecoded (not in the ABI, or malformed): raw topics and data stay available.
    if (decoded?.args) args = Array.isArray(decoded.args) ? Object.fromEntries(decoded.args.map((v, i) => [String(i), v])) : decoded.args;
    return {
      address,
      contract: known?.contract.name ?? address,
      ...(decoded ? { eventName: decoded.eventName } : {}),
      args,
      topics: raw.topics as Hex[],
      data: raw.data,
      logIndex: Number(raw.logIndex),
      transactionHash: raw.transactionHash!,
      blockNumber: Number(raw.blockNumber),
      blockHash: raw.blockHash!,
    };
  }

  /** Each detector's logs; a log no detector wants is never decoded. */
  function distribute(rawLogs: readonly Log[]): { perDetector: Map<Prepared, DecodedLog[]>; decoded: number } {
    const perDetector = new Map<Prepared, DecodedLog[]>(prepared.map((p) => [p, []]));
    const ordered = [...rawLogs].sort((a, b) => Number(a.logIndex) - Number(b.logIndex));
    let decoded = 0;
    for (const raw of ordered) {
      const candidates = byAddress.get(raw.address.toLowerCase());
      if (!candidates) continue;
      const topic0 = (raw.topics[0] ?? '').toLowerCase();
      let decodedLog: DecodedLog | undefined;
      for (const p of candidates) {
        if (p.selectors && !p.selectors.has(topic0)) continue;
        if (!decodedLog) {
          decodedLog = decode(raw);
          decoded++;
        }
        perDetector.get(p)!.push(decodedLog);
      }
    }
    return { perDetector, decoded };
  }

  async function runDetector(p: Prepared, ctx: BlockContext): Promise<{ anomalies: Anomaly[]; stats: DetectorRunStats }> {
    const { detector } = p;
    const tracked = trackStateFailures(p.state);
    const startedAt = performance.now();
    let ms: number | undefined;
    const stats = (hits: number, errors: number): DetectorRunStats => ({ detectorId: detector.id, evaluations: 1, hits, errors, ms: ms ?? performance.now() - startedAt });
    try {
      const returned = detector.onBlock(ctx, tracked.state);
      // A synchronous detector's time is exact; an async one's runs until its promise settles (see `run`).
      if (!(returned instanceof Promise)) ms = performance.now() - startedAt;
      const findings = await returned;
      ms ??= performance.now() - startedAt;
      const stateFailure = tracked.failure();
      if (stateFailure) throw stateFailure;
      const anomalies = findings.map((finding) => ({
        id: anomalyId({ chainId, detectorId: detector.id, blockHash: ctx.block.hash, key: finding.key }),
        detectorId: detector.id,
        kind: detector.kind,
        severity: finding.severity ?? detector.severity,
        chainId,
        blockNumber: ctx.block.number,
        blockHash: ctx.block.hash,
        txHashes: finding.txHashes ?? [],
        summary: finding.summary,
        evidence: jsonSafe(finding.evidence ?? {}) as Record<string, unknown>,
        addresses: finding.addresses ?? [],
        observedAt: ctx.observedAt,
        ...(detector.mode === 'observe' ? { mode: 'observe' as const } : {}),
      }));
      return { anomalies, stats: stats(anomalies.length, 0) };
    } catch (error) {
      const stateFailure = tracked.failure();
      if (stateFailure) throw stateFailure;
      log.error({ block: ctx.block.number, detector: detector.id, err: describeError(error) }, 'detector threw; skipping it for this block');
      return { anomalies: [], stats: stats(0, 1) };
    }
  }

  return {
    detectors: prepared.map((p) => p.detector),
    watched,
    topics,
    needsTransactions,
    hasReads: prepared.some((p) => p.detector.reads),
    mayHaveLogs: (bloom) => watched.length > 0 && prepared.some((p) => p.addresses.size > 0 && mayHaveLogs(p, bloom)),

    planReads(header) {
      const byDetector = new Map<string, StateRead[]>();
      const skipped = new Set<string>();
      for (const { detector } of prepared) {
        try {
          byDetector.set(detector.id, detector.reads?.(header) ?? []);
        } catch (error) {
          skipped.add(detector.id);
          log.error({ block: header.number, detector: detector.id, err: describeError(error) }, 'detector reads() threw; skipping it for this block');
        }
      }
      return { all: [...byDetector.values()].flat(), byDetector, skipped };
    },

    async evaluate(block) {
      const { perDetector, decoded } = distribute(block.logs);
      let offset = 0;
      const resultsByDetector = new Map<string, Map<string, ReadResult>>();
      for (const [detectorId, reads] of block.reads.byDetector) {
        resultsByDetector.set(detectorId, new Map(reads.map((r, i) => [r.key, block.readResults[offset + i]!])));
        offset += reads.length;
      }
      const contextFor = (p: Prepared): BlockContext => ({
        chainId,
        chainName,
        block: block.header,
        logs: perDetector.get(p)!,
        reads: resultsByDetector.get(p.detector.id) ?? new Map(),
        observedAt: block.observedAt,
        ...(p.detector.needsTransactions ? { transactions: block.transactions ?? [] } : {}),
      });
      const running = prepared.filter((p) => !block.reads.skipped.has(p.detector.id));
      const results: { anomalies: Anomaly[]; stats: DetectorRunStats }[] = [];
      if (params.run === 'sequential') for (const p of running) results.push(await runDetector(p, contextFor(p)));
      else results.push(...(await Promise.all(running.map((p) => runDetector(p, contextFor(p))))));
      const skippedStats = [...block.reads.skipped].map((detectorId) => ({ detectorId, evaluations: 0, hits: 0, errors: 1, ms: 0 }));
      return { anomalies: results.flatMap((r) => r.anomalies), stats: [...results.map((r) => r.stats), ...skippedStats], decodedLogs: decoded };
    },

    async handleReorg(droppedHashes, commonAncestorNumber) {
      for (const { detector, state } of prepared) {
        if (!detector.onReorg) continue;
        const tracked = trackStateFailures(state);
        try {
          await detector.onReorg(droppedHashes, tracked.state);
        } catch (error) {
          if (!tracked.failure()) log.error({ detector: detector.id, block: commonAncestorNumber, err: describeError(error) }, 'detector onReorg threw');
        }
        const stateFailure = tracked.failure();
        if (stateFailure) throw stateFailure; // the follower retries the whole onReorg
      }
    },
  };
}
