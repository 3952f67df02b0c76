/**
 * Runs detectors over a historical block range, side-effect free: the same evaluation the daemon runs
 * (src/chain/evaluate-block.ts, so the same anomaly ids), fed from batched history instead of heads.
 *
 * - logs: `eth_getLogs` over windows of blocks that adapt to the provider's limits (log-ranges.ts);
 * - blocks visited: every block of the range when a detector declares reads or needs transactions
 *   (as live); otherwise only the blocks holding logs some detector wants — a detector without reads
 *   that sees no logs has nothing to find, so its evaluations count those blocks only;
 * - headers (full blocks only when a detector needs transactions), receipts (only for `'receipts'`)
 *   and the reads of each block (one multicall at that block number) are requested for a batch of
 *   blocks at once — one JSON-RPC batch each — while the previous batch is being evaluated;
 * - detector state lives in memory (memory-state.ts), never in Redis; nothing is queued, paused or recorded.
 *
 * Reads at old blocks need a node that keeps that state (an archive node).
 */
import type { Log, PublicClient } from 'viem';
import type { Logger } from 'pino';
import type { Anomaly, BlockTransaction, Detector } from '../../detectors/types.js';
import type { ResolvedContract } from '../config/contracts.js';
import { addRunStats, emptyTotals, type DetectorTotals } from '../chain/detector-stats.js';
import { prepareDetectors, type BlockData } from '../chain/evaluate-block.js';
import { toHeader } from '../chain/heads.js';
import { backoffMs, sleep } from '../chain/retry.js';
import { createStateReader, type ReadMode } from '../chain/state-reads.js';
import { statusesOf, toBlockTransactions, type RpcReceiptStatus } from '../chain/transactions.js';
import { describeError } from '../errors.js';
import { createLogWindows, LogRangeRefusedError, type LogWindowsParameters } from './log-ranges.js';
import { createMemoryDetectorStates } from './memory-state.js';

export interface ReplayParameters {
  client: PublicClient;
  chainId: number;
  chainName: string;
  /** Contracts of this chain (their ABIs decode logs). */
  contracts: ResolvedContract[];
  /** The detectors to run (those of other chains are ignored). */
  detectors: Detector[];
  from: number;
  to: number;
  log: Logger;
  /** Each evaluated block's anomalies, in block order (awaited: apply back-pressure here). */
  onAnomalies?(anomalies: Anomaly[]): void | Promise<void>;
  onProgress?(progress: ReplayProgress): void;
  /** Tuning of the log windows (tests). */
  logWindows?: Pick<LogWindowsParameters, 'initialSpan' | 'maxSpan' | 'growBelowLogs' | 'onRefused' | 'retryBaseMs'>;
  /** Blocks whose headers and reads are requested together. Default 100. */
  batchBlocks?: number;
  readMode?: ReadMode;
}

export interface ReplayProgress {
  /** Blocks of the range done (visited or known to hold nothing for the detectors). */
  doneBlocks: number;
  totalBlocks: number;
  logs: number;
  anomalies: number;
}

export interface DetectorReplaySummary {
  id: string;
  kind: string;
  totals: DetectorTotals;
  firstHitBlock?: number;
  lastHitBlock?: number;
}

export interface ReplayResult {
  from: number;
  to: number;
  /** Blocks in the range. */
  blocks: number;
  /** Blocks the detectors ran on. */
  evaluatedBlocks: number;
  /** Logs fetched, and those decoded (wanted by some detector). */
  logs: number;
  decodedLogs: number;
  anomalies: number;
  detectors: DetectorReplaySummary[];
  /** Wall time of the whole replay, ms. */
  elapsedMs: number;
  /** Time spent decoding logs, running detectors and building anomalies (ours), ms. */
  processingMs: number;
  /** Time spent waiting for the RPC (elapsed minus processing), ms. */
  rpcWaitMs: number;
  /** eth_getLogs windows the provider refused (then split). */
  logRefusals: number;
}

/** A block of the range could not be replayed (changed under us, or the node lacks its state). */
export class ReplayError extends Error {
  override name = 'ReplayError';
}

interface Batch {
  blocks: BlockData[];
  /** Blocks of the range done once this batch is evaluated. */
  doneThrough: number;
}

export async function replayRange(params: ReplayParameters): Promise<ReplayResult> {
  const { client, chainId, from, to, log } = params;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < from) throw new ReplayError(`invalid range ${from}..${to}: expected 0 <= from <= to`);
  const startedAt = performance.now();
  const states = createMemoryDetectorStates();
  const prepared = prepareDetectors({
    chainId,
    chainName: params.chainName,
    contracts: params.contracts,
    detectors: params.detectors,
    stateFor: (detector) => states.stateFor(detector.id),
    log,
    run: 'sequential',
  });
  const reader = createStateReader({ client, forceMode: params.readMode });
  const needsTransactions = prepared.needsTransactions;
  const everyBlock = prepared.hasReads || needsTransactions !== false;
  const batchBlocks = params.batchBlocks ?? 100;
  const windows =
    prepared.watched.length > 0
      ? createLogWindows({ client, address: prepared.watched, topics: prepared.topics, ...params.logWindows })
      : undefined;

  const totals = new Map<string, DetectorTotals>(prepared.detectors.map((d) => [d.id, emptyTotals()]));
  const hits = new Map<string, { first: number; last: number }>();
  let logCount = 0;
  let decodedLogs = 0;
  let anomalyCount = 0;
  let evaluatedBlocks = 0;
  let processingMs = 0;

  // Where the fetching stands: the next block without logs fetched, and blocks fetched but not yet requested.
  let cursor = from;
  let pending: number[] = [];
  let windowEnd = from - 1;
  const logsByBlock = new Map<number, Log[]>();

  async function nextWindow(): Promise<void> {
    const window = windows
      ? await windows.next(cursor, to).catch((error: unknown) => {
          if (error instanceof LogRangeRefusedError) throw error;
          throw new ReplayError(`eth_getLogs from block ${cursor} failed after retries: ${describeError(error)}`);
        })
      : { from: cursor, to: Math.min(to, cursor + batchBlocks * 10 - 1), logs: [] };
    const grouping = performance.now();
    for (const entry of window.logs) {
      const number = Number(entry.blockNumber);
      const list = logsByBlock.get(number);
      if (list) list.push(entry);
      else logsByBlock.set(number, [entry]);
    }
    logCount += window.logs.length;
    pending = everyBlock
      ? Array.from({ length: window.to - window.from + 1 }, (_, i) => window.from + i)
      : [...new Set(window.logs.map((entry) => Number(entry.blockNumber)))].sort((a, b) => a - b);
    processingMs += performance.now() - grouping;
    cursor = window.to + 1;
    windowEnd = window.to;
  }

  async function fetchBlocks(numbers: number[]): Promise<BlockData[]> {
    const includeTransactions = needsTransactions !== false;
    const [blocks, receipts] = await Promise.all([
      Promise.all(numbers.map((n) => client.getBlock({ blockNumber: BigInt(n), includeTransactions }))),
      needsTransactions === 'receipts'
        ? Promise.all(
            numbers.map(
              (n) => client.request({ method: 'eth_getBlockReceipts', params: [`0x${n.toString(16)}`] } as never) as Promise<RpcReceiptStatus[] | null>,
            ),
          )
        : undefined,
    ]);
    const headers = blocks.map((block) => toHeader(block));
    const plans = headers.map((header) => prepared.planReads(header));
    const results = await Promise.all(
      plans.map((plan, i) =>
        reader.read(plan.all, numbers[i]!).catch((error: unknown) => {
          throw new ReplayError(`reads at block ${numbers[i]} failed: ${describeError(error)} (reads at old blocks need an archive node)`);
        }),
      ),
    );
    return headers.map((header, i) => {
      const logs = logsByBlock.get(header.number) ?? [];
      logsByBlock.delete(header.number);
      const changed = logs.find((entry) => entry.blockHash !== header.hash);
      if (changed) {
        throw new ReplayError(`block ${header.number} changed while replaying (its logs came from ${changed.blockHash}, the block is now ${header.hash}): a reorg? replay a range a few blocks behind the head`);
      }
      let transactions: BlockTransaction[] | undefined;
      if (includeTransactions) {
        const blockReceipts = receipts?.[i];
        if (receipts && !blockReceipts) throw new ReplayError(`eth_getBlockReceipts returned no receipts for block ${header.number}`);
        transactions = toBlockTransactions(blocks[i]!.transactions as never, blockReceipts ? statusesOf(blockReceipts) : undefined);
      }
      return {
        header,
        observedAt: { wallMs: header.timestamp * 1000, monoNs: '0', runId: 'replay' },
        logs,
        reads: plans[i]!,
        readResults: results[i]!,
        transactions,
      };
    });
  }

  /** The next batch to evaluate, fetching log windows as needed; undefined at the end of the range. */
  async function nextBatch(): Promise<Batch | undefined> {
    while (pending.length === 0) {
      if (cursor > to) return undefined;
      await nextWindow();
      if (pending.length === 0) return { blocks: [], doneThrough: windowEnd };
    }
    const numbers = pending.splice(0, batchBlocks);
    for (let attempt = 0; ; attempt++) {
      try {
        const blocks = await fetchBlocks(numbers);
        return { blocks, doneThrough: pending.length === 0 ? windowEnd : numbers.at(-1)! };
      } catch (error) {
        if (error instanceof ReplayError) throw error;
        if (attempt >= 4) throw new ReplayError(`fetching blocks ${numbers[0]}..${numbers.at(-1)} failed ${attempt + 1} times: ${describeError(error)}`);
        log.warn({ chain: chainId, block: numbers[0], err: describeError(error), attempt }, 'replay: fetching blocks failed; retrying');
        await sleep(backoffMs(attempt));
      }
    }
  }

  let upcoming = nextBatch();
  for (;;) {
    const batch = await upcoming;
    if (!batch) break;
    upcoming = nextBatch(); // fetched while this batch is evaluated
    upcoming.catch(() => {}); // its failure surfaces when awaited, not as an unhandled rejection
    for (const block of batch.blocks) {
      const evaluating = performance.now();
      states.setClock(block.header.timestamp);
      const result = await prepared.evaluate(block);
      processingMs += performance.now() - evaluating;
      evaluatedBlocks++;
      decodedLogs += result.decodedLogs;
      addRunStats(totals, result.stats);
      for (const anomaly of result.anomalies) {
        const seen = hits.get(anomaly.detectorId);
        if (seen) seen.last = anomaly.blockNumber;
        else hits.set(anomaly.detectorId, { first: anomaly.blockNumber, last: anomaly.blockNumber });
      }
      anomalyCount += result.anomalies.length;
      if (result.anomalies.length > 0) await params.onAnomalies?.(result.anomalies);
    }
    params.onProgress?.({ doneBlocks: batch.doneThrough - from + 1, totalBlocks: to - from + 1, logs: logCount, anomalies: anomalyCount });
  }

  const elapsedMs = performance.now() - startedAt;
  return {
    from,
    to,
    blocks: to - from + 1,
    evaluatedBlocks,
    logs: logCount,
    decodedLogs,
    anomalies: anomalyCount,
    detectors: prepared.detectors.map((d: Detector) => ({
      id: d.id,
      kind: d.kind,
      totals: totals.get(d.id) ?? emptyTotals(),
      ...(hits.has(d.id) ? { firstHitBlock: hits.get(d.id)!.first, lastHitBlock: hits.get(d.id)!.last } : {}),
    })),
    elapsedMs,
    processingMs,
    rpcWaitMs: Math.max(0, elapsedMs - processingMs),
    logRefusals: windows?.refusals() ?? 0,
  };
}
