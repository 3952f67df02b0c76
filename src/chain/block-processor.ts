/**
 * Turns a followed block into anomalies: fetches what the detectors need with at most one
 * `eth_getLogs` and one `eth_call`, runs every detector, and builds Anomaly records.
 *
 * Guarantees:
 * - no `eth_getLogs` when the header's logsBloom rules out every detector (by watched address and,
 *   where a detector declares `events`, by event selector); otherwise exactly one, by `blockHash`,
 *   for all watched addresses of the chain;
 * - no `eth_call` when no detector declares reads; otherwise exactly one (see state-reads.ts);
 * - a detector that throws is logged with its id and skipped for this block; the others still run;
 * - except when its state (Redis) failed during the call — even if the detector caught that error:
 *   then `process()` / `handleReorg()` reject with that `DetectorStateError`, so the follower retries
 *   the block (or the reorg) instead of checkpointing past a block a detector never saw;
 * - an RPC failure throws before any detector runs, so the follower retries the block cleanly.
 *   (A block whose anomalies could not be queued is processed again: detectors must tolerate a replay,
 *   and `onReorg` a repeat.)
 */
import { decodeEventLog, getAddress, toEventSelector, type Address, type Hex, type Log, type PublicClient } from 'viem';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  anomalyId,
  jsonSafe,
  type Anomaly,
  type BlockContext,
  type DecodedLog,
  type Detector,
  type DetectorState,
  type ReadResult,
  type StateRead,
} from '../../detectors/types.js';
import type { ResolvedContract } from '../config/contracts.js';
import { bloomMayContain } from './bloom.js';
import { createRedisDetectorState, trackStateFailures } from './detector-state.js';
import type { FollowedBlock, ReorgEvent } from './follower.js';
import { describeError } from '../errors.js';
import { createStateReader, type ReadMode } from './state-reads.js';

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
}

export interface BlockProcessor {
  process(block: FollowedBlock): Promise<Anomaly[]>;
  handleReorg(event: ReorgEvent): Promise<void>;
}

interface PreparedDetector {
  detector: Detector;
  addresses: Set<string>; // lowercase
  selectors?: Set<string>; // lowercase topic0 of declared events
  state: DetectorState;
}

export function createBlockProcessor(params: BlockProcessorParams): BlockProcessor {
  const { chainId, chainName, client, redis, keyPrefix } = params;
  const log = params.log.child({ chain: chainName });
  const reader = createStateReader({ client, forceMode: params.readMode });
  const contractsByAddress = new Map(params.contracts.filter((c) => c.chainId === chainId).map((c) => [c.address.toLowerCase(), c]));
  const prepared: PreparedDetector[] = params.detectors
    .filter((d) => d.chainId === chainId)
    .map((detector) => ({
      detector,
      addresses: new Set(detector.watchedAddresses.map((a) => a.toLowerCase())),
      selectors: detector.events?.length ? new Set(detector.events.map((e) => toEventSelector(e).toLowerCase())) : undefined,
      state: createRedisDetectorState({ redis, keyPrefix, chainId, detectorId: detector.id }),
    }));
  const watched: Address[] = [...new Set(prepared.flatMap((p) => [...p.addresses]))].map((a) => getAddress(a));

  function mayHaveLogs(p: PreparedDetector, bloom: Hex): boolean {
    if (![...p.addresses].some((a) => bloomMayContain(bloom, a as Hex))) return false;
    return !p.selectors || [...p.selectors].some((s) => bloomMayContain(bloom, s as Hex));
  }

  function decode(log_: Log): DecodedLog {
    const address = getAddress(log_.address);
    const contract = contractsByAddress.get(address.toLowerCase());
    const base: DecodedLog = {
      address,
      contract: contract?.name ?? address,
      args: {},
      topics: [...log_.topics] as Hex[],
      data: log_.data,
      logIndex: Number(log_.logIndex),
      transactionHash: log_.transactionHash!,
      blockNumber: Number(log_.blockNumber),
      blockHash: log_.blockHash!,
    };
    if (!contract) return base;
    try {
      const decoded = decodeEventLog({ abi: contract.abi, topics: log_.topics as [Hex, ...Hex[]], data: log_.data });
      const args = Array.isArray(decoded.args) ? Object.fromEntries(decoded.args.map((v, i) => [String(i), v])) : (decoded.args ?? {});
      return { ...base, eventName: decoded.eventName, args: args as Record<string, unknown> };
    } catch {
      return base; // not in the ABI (or malformed): raw topics and data stay available
    }
  }

  /** Each detector's declared reads; a detector whose reads() throws is skipped for this block. */
  function collectReads(block: FollowedBlock, skipped: Set<string>) {
    const perDetector = new Map<string, StateRead[]>();
    for (const { detector } of prepared) {
      try {
        perDetector.set(detector.id, detector.reads?.(block.header) ?? []);
      } catch (error) {
        skipped.add(detector.id);
        log.error({ block: block.header.number, detector: detector.id, err: describeError(error) }, 'detector reads() threw; skipping it for this block');
      }
    }
    return perDetector;
  }

  async function runDetector(p: PreparedDetector, ctx: BlockContext): Promise<Anomaly[]> {
    const { detector } = p;
    const tracked = trackStateFailures(p.state);
    try {
      const findings = await detector.onBlock(ctx, tracked.state);
      const stateFailure = tracked.failure();
      if (stateFailure) throw stateFailure;
      return findings.map((finding) => ({
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
    } catch (error) {
      const stateFailure = tracked.failure();
      if (stateFailure) throw stateFailure;
      log.error({ block: ctx.block.number, detector: detector.id, err: describeError(error) }, 'detector threw; skipping it for this block');
      return [];
    }
  }

  return {
    async process(block) {
      const { header } = block;
      const startedAt = performance.now();
      const skipped = new Set<string>();
      const readsByDetector = collectReads(block, skipped);
      const allReads = [...readsByDetector.values()].flat();
      const needLogs = watched.length > 0 && prepared.some((p) => mayHaveLogs(p, header.logsBloom));

      const [rawLogs, readResults] = await Promise.all([
        needLogs ? client.getLogs({ blockHash: header.hash, address: watched }) : Promise.resolve([] as Log[]),
        reader.read(allReads, header.number),
      ]);
      const fetchedAt = performance.now();
      const logs = rawLogs.map(decode).sort((a, b) => a.logIndex - b.logIndex);

      let offset = 0;
      const resultsByDetector = new Map<string, Map<string, ReadResult>>();
      for (const [detectorId, reads] of readsByDetector) {
        resultsByDetector.set(detectorId, new Map(reads.map((r, i) => [r.key, readResults[offset + i]!])));
        offset += reads.length;
      }

      const anomalies = await Promise.all(
        prepared
          .filter((p) => !skipped.has(p.detector.id))
          .map((p) =>
            runDetector(p, {
              chainId,
              chainName,
              block: header,
              logs: logs.filter((l) => p.addresses.has(l.address.toLowerCase()) && (!p.selectors || p.selectors.has((l.topics[0] ?? '').toLowerCase()))),
              reads: resultsByDetector.get(p.detector.id) ?? new Map(),
              observedAt: block.observedAt,
            }),
          ),
      );
      const result = anomalies.flat();
      // Where the time of a block goes: fetching (logs and reads, in parallel) versus running the detectors.
      const fetchMs = Math.round((fetchedAt - startedAt) * 100) / 100;
      const detectMs = Math.round((performance.now() - fetchedAt) * 100) / 100;
      log.debug({ block: header.number, logs: logs.length, reads: allReads.length, anomalies: result.length, fetchMs, detectMs }, 'block checked');
      return result;
    },

    async handleReorg(event) {
      for (const { detector, state } of prepared) {
        if (!detector.onReorg) continue;
        const tracked = trackStateFailures(state);
        try {
          await detector.onReorg(event.droppedHashes, tracked.state);
        } catch (error) {
          if (!tracked.failure()) log.error({ detector: detector.id, block: event.commonAncestor.number, err: describeError(error) }, 'detector onReorg threw');
        }
        const stateFailure = tracked.failure();
        if (stateFailure) throw stateFailure; // the follower retries the whole onReorg
      }
    },
  };
}
