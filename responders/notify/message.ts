/** Builds the channel-neutral message from what the plan runner and the incident commands have at hand. */
import type { Anomaly } from '../../detectors/types.js';
import type { IncidentStatus, IncidentSummary } from '../../src/incidents/types.js';
import type { PauseOutcome } from '../pause-guardian.js';
import type { NotificationActor, NotificationEvent, NotificationMessage } from './types.js';

export interface MessageFromIncidentParameters {
  event: NotificationEvent;
  incident: IncidentSummary;
  /** chains[].name of the incident's chain. */
  chainName: string;
  /** chains[].explorerUrl, for tx, address and block links. */
  explorerUrl?: string;
  /** The anomaly the event is about (opened, updated, contained, readiness). */
  anomaly?: Anomaly;
  /** Pause outcomes so far; undefined while containment is still running. */
  outcomes?: readonly PauseOutcome[];
  actor?: NotificationActor;
  escalation?: { level: number; reason: string };
  /** Default: the incident's status. */
  status?: IncidentStatus;
  /** Default: now. */
  at?: number;
}

export function messageFromIncident(params: MessageFromIncidentParameters): NotificationMessage {
  const { incident, anomaly } = params;
  return {
    event: params.event,
    incidentId: incident.id,
    severity: incident.severity,
    protocol: incident.protocol,
    chain: { id: incident.chainId, name: params.chainName, ...(params.explorerUrl ? { explorerUrl: params.explorerUrl } : {}) },
    status: params.status ?? incident.status,
    at: params.at ?? Date.now(),
    ...(anomaly
      ? {
          detection: {
            detectorId: anomaly.detectorId,
            summary: anomaly.summary,
            blockNumber: anomaly.blockNumber,
            blockHash: anomaly.blockHash,
            txHashes: anomaly.txHashes,
            addresses: anomaly.addresses,
            evidence: anomaly.evidence,
          },
        }
      : {}),
    ...(params.outcomes ? { actions: params.outcomes } : {}),
    ...(params.actor ? { actor: params.actor } : {}),
    ...(params.escalation ? { escalation: params.escalation } : {}),
  };
}
