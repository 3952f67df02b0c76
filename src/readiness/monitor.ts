/**
 * Runs the readiness checks (responders/readiness.ts) of one chain at start-up and every
 * `readiness.everyBlocks` blocks, and turns changes into the incident record:
 * - a check that starts failing raises an anomaly of kind `readiness` (severity from the config, mode
 *   `observe`: the plan records and notifies it but never pauses because of it);
 * - a failing check that passes again appends `readiness-recovered` to that anomaly's incident.
 *
 * Which checks are failing is kept in Redis (one hash per chain), so a restart or a second replica
 * neither raises a failure twice nor forgets to record its recovery. A replica that loses the race
 * to mark a check failing raises nothing; the anomaly id is deterministic anyway (block hash + check).
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { anomalyId, type Anomaly, type BlockHeader } from '../../detectors/types.js';
import type { ReadinessResult } from '../../responders/readiness.js';
import type { ReadinessConfig } from '../config/schema.js';
import { describeError } from '../errors.js';
import type { IncidentStore } from '../incidents/store.js';
import { timelineEntry } from '../incidents/types.js';
import { processRunId } from '../run-id.js';

export const readinessDetectorId = 'readiness';

/** The Redis hash of a chain's failing readiness checks (field: check key); empty when all pass. */
export function readinessStateKey(keyPrefix: string, chainId: number): string {
  return `${keyPrefix}:readiness:${chainId}`;
}

interface FailingCheck {
  anomalyId: string;
  sinceBlock: number;
  detail: string;
}

export interface ReadinessMonitor {
  /** Called for every processed block; runs the checks in the background when due. Never throws. */
  onBlock(block: BlockHeader): void;
  /** Runs the checks now at `block` and applies the changes (what onBlock starts). */
  runAt(block: BlockHeader): Promise<ReadinessResult[]>;
  /** Resolves when the run in progress (if any) is done. */
  idle(): Promise<void>;
}

export interface CreateReadinessMonitorParameters {
  chainId: number;
  chainName: string;
  config: ReadinessConfig;
  redis: Redis;
  keyPrefix: string;
  incidents: IncidentStore;
  log: Logger;
  /** The checks of this chain at a block (bound to its client, targets and keys). */
  check(blockNumber: bigint): Promise<ReadinessResult[]>;
  /** Hands a new readiness anomaly to the plan (the daemon queues it). */
  raise(anomaly: Anomaly): Promise<void>;
}

export function createReadinessMonitor(params: CreateReadinessMonitorParameters): ReadinessMonitor {
  const { chainId, config, redis, log } = params;
  const stateKey = readinessStateKey(params.keyPrefix, chainId);
  let running: Promise<unknown> | undefined;
  let checkedOnce = false;

  async function runAt(block: BlockHeader): Promise<ReadinessResult[]> {
    const results = await params.check(BigInt(block.number));
    const failing = await redis.hgetall(stateKey);
    for (const result of results) {
      const known = failing[result.key] ? (JSON.parse(failing[result.key]!) as FailingCheck) : undefined;
      if (!result.ok && !known) await startFailing(result, block);
      else if (result.ok && known) await recover(result, known, block);
    }
    return results;
  }

  async function startFailing(result: ReadinessResult, block: BlockHeader): Promise<void> {
    const id = anomalyId({ chainId, detectorId: readinessDetectorId, blockHash: block.hash, key: result.key });
    const state: FailingCheck = { anomalyId: id, sinceBlock: block.number, detail: result.detail };
    // Only the process that marks the check failing raises it: no duplicate anomaly across replicas.
    if ((await redis.hsetnx(stateKey, result.key, JSON.stringify(state))) !== 1) return;
    log.error({ chain: params.chainName, block: block.number, check: result.check, subject: result.subject, detail: result.detail }, 'readiness check failing');
    await raiseOrForget({
      id,
      detectorId: readinessDetectorId,
      kind: 'readiness',
      severity: config.severity,
      chainId,
      blockNumber: block.number,
      blockHash: block.hash,
      txHashes: [],
      summary: `readiness: ${result.check} ${result.subject} failing: ${result.detail}`,
      evidence: { check: result.check, subject: result.subject, key: result.key, detail: result.detail },
      addresses: result.addresses,
      observedAt: { wallMs: Date.now(), monoNs: process.hrtime.bigint().toString(), runId: processRunId },
      mode: 'observe',
    });
  }

  /** A failure not handed to the plan is forgotten, so the next run raises it again. */
  async function raiseOrForget(anomaly: Anomaly & { evidence: { key: string } }): Promise<void> {
    try {
      await params.raise(anomaly);
    } catch (error) {
      await redis.hdel(stateKey, anomaly.evidence.key);
      throw error;
    }
  }

  async function recover(result: ReadinessResult, known: FailingCheck, block: BlockHeader): Promise<void> {
    const incidentId = await params.incidents.incidentForAnomaly(known.anomalyId);
    if (incidentId) {
      const data = { check: result.check, subject: result.subject, key: result.key, blockNumber: block.number, failingSinceBlock: known.sinceBlock, detail: result.detail };
      await params.incidents.append({ incidentId, entry: timelineEntry('readiness-recovered', data), onceKey: `readiness-recovered:${known.anomalyId}` });
    } else if (block.number - known.sinceBlock < config.everyBlocks * 2) {
      // The anomaly's job has not opened its incident yet: record the recovery on a later run.
      return;
    }
    await redis.hdel(stateKey, result.key);
    log.info({ chain: params.chainName, block: block.number, check: result.check, subject: result.subject, incident: incidentId }, 'readiness check passes again');
  }

  return {
    onBlock(block) {
      const due = !checkedOnce || block.number % config.everyBlocks === 0;
      if (!config.enabled || !due || running) return;
      checkedOnce = true;
      running = runAt(block)
        .catch((error: unknown) => log.warn({ chain: params.chainName, err: describeError(error) }, 'readiness checks could not run; trying again at the next interval'))
        .finally(() => (running = undefined));
    },
    runAt,
    idle: () => Promise.resolve(running).then(() => undefined),
  };
}
