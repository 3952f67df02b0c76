/**
 * Turns the follower's deep-reorg alert (DeepReorgEvent: a reorg that dropped more than
 * `finalityDepth` processed blocks) into the incident record: one `liveness` anomaly, severity
 * critical, mode `observe` (recorded and notified, never paused for: a reorg is not an exploit, but
 * whatever warden acted on in the dropped blocks, and whatever it may not have checked, wants a human).
 *
 * The id is deterministic (chain, new head, common ancestor): a restart that sees the same reorg at
 * the same head raises the same id, which the queue and the incident store take once.
 */
import type { Logger } from 'pino';
import type { Anomaly, Severity } from '../../detectors/types.js';
import type { DeepReorgEvent } from '../chain/follower.js';
import type { ChainConfig } from '../config/schema.js';
import { describeError } from '../errors.js';
import { livenessAnomaly } from './anomaly.js';

/** Blocks warden already acted on are gone (and, unreconciled, some were never checked): page someone. */
export const deepReorgSeverity: Severity = 'critical';

export function deepReorgAnomaly(params: { chain: Pick<ChainConfig, 'id' | 'name'>; event: DeepReorgEvent }): Anomaly {
  const { chain, event } = params;
  const { commonAncestor, newHead, unreconciled } = event;
  const summary = unreconciled
    ? `deep reorg on ${chain.name}: at least ${event.depth} processed blocks dropped and no common ancestor found among the processed blocks from ${unreconciled.comparedFrom}; ` +
      `new-branch blocks up to ${commonAncestor.number} were NOT checked (warden resynced from ${commonAncestor.number + 1}, head ${newHead.number})`
    : `deep reorg on ${chain.name}: ${event.depth} processed blocks dropped back to block ${commonAncestor.number} (deeper than finalityDepth); the new branch up to ${newHead.number} was processed`;
  return livenessAnomaly({
    chainId: chain.id,
    block: newHead,
    key: `deep-reorg:${commonAncestor.hash.toLowerCase()}`,
    severity: deepReorgSeverity,
    summary,
    evidence: {
      event: 'deep-reorg',
      depth: event.depth,
      commonAncestor,
      newHead,
      droppedCount: event.droppedHashes.length,
      droppedHashes: event.droppedHashes,
      ...(unreconciled ? { unreconciled: { comparedFrom: unreconciled.comparedFrom, notCheckedUpTo: commonAncestor.number } } : {}),
    },
  });
}

export interface DeepReorgAlarm {
  /** The follower's onDeepReorg: never throws, never blocks it (the anomaly is raised in the background, in order). */
  onEvent(event: DeepReorgEvent): void;
  /** Resolves when the anomalies handed over so far are raised (or failed, logged). */
  stop(): Promise<void>;
}

export function createDeepReorgAlarm(params: { chain: Pick<ChainConfig, 'id' | 'name'>; log: Logger; raise(anomaly: Anomaly): Promise<void> }): DeepReorgAlarm {
  const { chain, log } = params;
  let work: Promise<void> = Promise.resolve();
  return {
    onEvent(event) {
      const anomaly = deepReorgAnomaly({ chain, event });
      log.warn({ chain: chain.name, block: anomaly.blockNumber, anomaly: anomaly.id, depth: event.depth }, 'deep reorg: raising a critical liveness anomaly');
      work = work
        .then(() => params.raise(anomaly))
        .catch((error: unknown) => log.error({ chain: chain.name, anomaly: anomaly.id, err: describeError(error) }, 'could not raise the deep-reorg anomaly'));
    },
    stop: () => work,
  };
}
