/**
 * Turns the follower's head stalls (LivenessEvent, from heads.ts) into the incident record:
 * - a stall raises one anomaly of kind `liveness` (mode `observe`: recorded and notified, never paused
 *   for) anchored at the last processed block;
 * - the first new block after it appends `liveness-recovered` to that anomaly's incident.
 *
 * The anomaly id is deterministic (chain, last block hash): replicas stalled at the same block, or a
 * restart during the stall, raise the same id, which the queue and the incident store take once.
 */
import type { Logger } from 'pino';
import type { Anomaly, Severity } from '../../detectors/types.js';
import { livenessAnomaly } from './anomaly.js';
import type { ChainClients } from '../chain/clients.js';
import type { LivenessEvent } from '../chain/follower.js';
import { sleep } from '../chain/retry.js';
import type { ChainConfig } from '../config/schema.js';
import { describeError } from '../errors.js';
import type { IncidentStore } from '../incidents/store.js';
import { timelineEntry } from '../incidents/types.js';

export { livenessDetectorId } from './anomaly.js';
/** A blind warden cannot contain anything: worth a page, though never a pause (`chains[].stallSeverity` overrides). */
export const livenessSeverity: Severity = 'high';

export interface LivenessMonitor {
  /** The follower's stall and recovery events; never throws (the work runs in the background). */
  onEvent(event: LivenessEvent): void;
  /** Stops looking for a stall's incident (shutdown) and resolves when the work in progress is done. */
  stop(): Promise<void>;
}

export interface CreateLivenessMonitorParameters {
  chain: Pick<ChainConfig, 'id' | 'name' | 'stallSeverity'>;
  incidents: Pick<IncidentStore, 'incidentForAnomaly' | 'append'>;
  log: Logger;
  /** Hands the anomaly to the plan (the daemon queues it). */
  raise(anomaly: Anomaly): Promise<void>;
  /** Endpoint health at the stall, for the evidence. */
  clients?: Pick<ChainClients, 'endpoints'>;
  /** How often, and how many times, to look for the stall's incident when recording the recovery. Default 1 s, 30. */
  retryMs?: number;
  attempts?: number;
}

export function createLivenessMonitor(params: CreateLivenessMonitorParameters): LivenessMonitor {
  const { chain, log } = params;
  const retryMs = params.retryMs ?? 1_000;
  const attempts = params.attempts ?? 30;
  /** The anomaly of the stall in progress (or whose recovery is not recorded yet). */
  let current: Anomaly | undefined;
  let work: Promise<void> = Promise.resolve();
  const stopping = new AbortController();

  function stalled(event: LivenessEvent): Anomaly | undefined {
    if (!event.tip) {
      log.error({ chain: chain.name, stalledForMs: event.stalledForMs }, 'head stalled before the first block was processed; no liveness anomaly to anchor');
      return undefined;
    }
    const seconds = Math.round(event.stalledForMs / 1000);
    return livenessAnomaly({
      chainId: chain.id,
      block: event.tip,
      key: 'stalled',
      severity: chain.stallSeverity ?? livenessSeverity,
      summary: `liveness: no new block on ${chain.name} for ${seconds}s after block ${event.head ?? event.tip.number} from any endpoint; warden switched endpoints and is polling`,
      evidence: {
        lastBlock: event.head ?? event.tip.number,
        lastProcessedBlock: event.tip.number,
        stalledForMs: event.stalledForMs,
        headMode: event.headMode,
        ...(params.clients ? { endpoints: params.clients.endpoints.status() } : {}),
      },
    });
  }

  async function recordRecovery(anomaly: Anomaly, event: LivenessEvent): Promise<void> {
    for (let attempt = 0; attempt < attempts; attempt++) {
      // The anomaly's job may not have opened its incident yet: look again shortly.
      const incidentId = await params.incidents.incidentForAnomaly(anomaly.id);
      if (incidentId) {
        const data = { blockNumber: event.head, stalledSinceBlock: anomaly.blockNumber, stalledForMs: event.stalledForMs };
        await params.incidents.append({ incidentId, entry: timelineEntry('liveness-recovered', data), onceKey: `liveness-recovered:${anomaly.id}` });
        log.info({ chain: chain.name, block: event.head, incident: incidentId }, 'liveness recovery recorded');
        return;
      }
      if (stopping.signal.aborted) return;
      await sleep(retryMs, stopping.signal);
    }
    log.warn({ chain: chain.name, anomaly: anomaly.id }, 'the head moves again, but the stall has no incident to record it in');
  }

  async function handle(event: LivenessEvent): Promise<void> {
    if (event.type === 'stalled') {
      const anomaly = stalled(event);
      if (!anomaly) return;
      current = anomaly;
      log.error({ chain: chain.name, block: anomaly.blockNumber, anomaly: anomaly.id, stalledForMs: event.stalledForMs }, anomaly.summary);
      await params.raise(anomaly);
    } else if (current) {
      const anomaly = current;
      current = undefined;
      await recordRecovery(anomaly, event);
    }
  }

  return {
    onEvent(event) {
      // In order: a recovery is recorded after its stall was raised.
      work = work.then(() => handle(event)).catch((error: unknown) => log.error({ chain: chain.name, err: describeError(error) }, 'could not record a liveness event'));
    },
    stop() {
      stopping.abort();
      return work;
    },
  };
}
