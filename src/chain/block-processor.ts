/**
 * Turns a followed block into anomalies: fetches what the detectors need with at most one
 * `eth_getLogs` and one `eth_call` (plus the full block when a detector needs transactions), and
 * hands it to evaluate-block.ts, which runs every detector and builds Anomaly records — the same
 * code `warden replay` runs over history.
 *
 * Guarantees:
 * - no `eth_getLogs` when the header's logsBloom rules out every detector (by watched address and,
 *   where a detector declares `events`, by event selector); otherwise exactly one, by `blockHash`,
 *   for all watched addresses of the chain;
 * - no `eth_call` when no detector declares reads; otherwise exactly one (see state-reads.ts);
 * - no full block unless a detector of the chain sets `needsTransactions`; then exactly one
 *   `eth_getBlockByHash` (and one `eth_getBlockReceipts` for `'receipts'`);
 * - per-detector evaluations, hits, errors and time go to Redis after the block (detector-stats.ts),
 *   never holding it up;
 * - a detector that throws is logged with its id and skipped for this block; the others still run;
 * - except when its state (Redis) failed during the call — even if the detector caught that error:
 *   then `process()` / `handleReorg()` reject with that `DetectorStateError`, so the follower retries
 *   the block (or the reorg) instead of checkpointing past a block a detector never saw;
 * - an RPC failure throws before any detector runs, so the follower retries the block cleanly.
 *   (A block whose anomalies could not be queued is processed again: detectors must tolerate a replay,
 *   and `onReorg` a repeat.)
 */
import type { Log, PublicClient } from 'viem';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Anomaly, Detector, DetectorState } from '../../detectors/types.js';
import type { ResolvedContract } from '../config/contracts.js';
import { createRedisDetectorState } from './detector-state.js';
import { createDetectorStatsRecorder } from './detector-stats.js';
import type { DetectorRunStats } from './evaluate-block.js';
import type { Metrics } from '../metrics/metrics.js';
import { prepareDetectors } from './evaluate-block.js';
import type { FollowedBlock, ReorgEvent } from './follower.js';
import { createStateReader, type ReadMode } from './state-reads.js';
import { fetchBlockTransactions } from './transactions.js';

export interface BlockProcessorParams {
  chainId: number;
  chainName: string;
  client: PublicClient;
  /** Contracts of this chain (their ABIs decode logs). */
  contracts: ResolvedContract[];
  /** Detectors; those of other chains are ignored. */
  detectors: Detector[];
  redis: Redis;
  keyPrefix: string;
  log: Logger;
  /** Forces how reads are batched (tests); default: Multicall3 if deployed, else deployless. */
  readMode?: ReadMode;
  /** Per-detector evaluations, hits, errors and time, as Prometheus counters too. */
  metrics?: Metrics;
  /** Wraps each detector's Redis state (the daemon: to carry on through a Redis outage, src/outage/stores.ts). */
  wrapState?(state: DetectorState, detectorId: string): DetectorState;
}

export interface BlockProcessor {
  process(block: FollowedBlock): Promise<Anomaly[]>;
  handleReorg(event: ReorgEvent): Promise<void>;
  /** Resolves once the per-detector stats recorded so far are in Redis (or their failure logged). */
  flushStats(): Promise<void>;
}

function countDetectorRuns(metrics: Metrics, chain: string, stats: readonly DetectorRunStats[]): void {
  for (const run of stats) {
    const labels = { chain, detector: run.detectorId };
    metrics.detectorEvaluations.inc(labels, run.evaluations);
    if (run.hits > 0) metrics.detectorHits.inc(labels, run.hits);
    if (run.errors > 0) metrics.detectorErrors.inc(labels, run.errors);
    metrics.detectorSeconds.inc(labels, run.ms / 1000);
  }
}

export function createBlockProcessor(params: BlockProcessorParams): BlockProcessor {
  const { chainId, chainName, client, redis, keyPrefix } = params;
  const log = params.log.child({ chain: chainName });
  const reader = createStateReader({ client, forceMode: params.readMode });
  const prepared = prepareDetectors({
    chainId,
    chainName,
    contracts: params.contracts,
    detectors: params.detectors,
    stateFor: (detector) => {
      const state = createRedisDetectorState({ redis, keyPrefix, chainId, detectorId: detector.id });
      return params.wrapState ? params.wrapState(state, detector.id) : state;
    },
    log,
  });
  const stats = createDetectorStatsRecorder({ redis, keyPrefix, chainId, log });

  return {
    async process(block) {
      const { header } = block;
      const startedAt = performance.now();
      const reads = prepared.planReads(header);
      const needLogs = prepared.mayHaveLogs(header.logsBloom);
      const [rawLogs, readResults, transactions] = await Promise.all([
        needLogs ? client.getLogs({ blockHash: header.hash, address: prepared.watched }) : Promise.resolve([] as Log[]),
        reader.read(reads.all, header.number),
        prepared.needsTransactions
          ? fetchBlockTransactions({ client, block: { blockHash: header.hash }, receipts: prepared.needsTransactions === 'receipts' })
          : Promise.resolve(undefined),
      ]);
      const fetchedAt = performance.now();
      const result = await prepared.evaluate({ header, observedAt: block.observedAt, logs: rawLogs, reads, readResults, transactions });
      stats.record(result.stats);
      if (params.metrics) countDetectorRuns(params.metrics, chainName, result.stats);
      // Where the time of a block goes: fetching (logs, reads and transactions, in parallel) versus running the detectors.
      const fetchMs = Math.round((fetchedAt - startedAt) * 100) / 100;
      const detectMs = Math.round((performance.now() - fetchedAt) * 100) / 100;
      log.debug(
        { block: header.number, logs: result.decodedLogs, reads: reads.all.length, anomalies: result.anomalies.length, fetchMs, detectMs },
        'block checked',
      );
      return result.anomalies;
    },

    handleReorg: (event) => prepared.handleReorg(event.droppedHashes, event.commonAncestor.number),
    flushStats: () => stats.flush(),
  };
}
