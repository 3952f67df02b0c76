/** The webhook payload and its one-line text for people. */
import type { Anomaly } from '../../detectors/types.js';
import type { PauseOutcome } from '../../responders/pause-guardian.js';
import type { WebhookPayload } from '../../responders/notify-webhook.js';
import type { IncidentStatus, IncidentSummary } from '../incidents/types.js';

export function notificationPayload(params: {
  incident: IncidentSummary;
  status: IncidentStatus;
  anomaly: Anomaly;
  outcomes: PauseOutcome[] | undefined;
  created: boolean;
}): WebhookPayload {
  const { incident, status, anomaly, outcomes } = params;
  const event =
    status === 'contained' ? 'incident.contained'
    : status === 'containment-failed' ? 'incident.containment-failed'
    : params.created ? 'incident.opened'
    : 'incident.updated';
  const response = outcomes === undefined ? 'containment in progress' : outcomes.length === 0 ? 'no pause step' : outcomes.map(describeOutcome).join('; ');
  const text =
    `[${incident.severity}] ${incident.protocol}: ${status} — ${response} · ` +
    `${anomaly.detectorId} in block ${anomaly.blockNumber}: ${anomaly.summary} · incident ${incident.id}`;
  return {
    event,
    incident: { id: incident.id, status, severity: incident.severity, protocol: incident.protocol, chainId: incident.chainId },
    anomaly: {
      id: anomaly.id,
      detectorId: anomaly.detectorId,
      severity: anomaly.severity,
      chainId: anomaly.chainId,
      blockNumber: anomaly.blockNumber,
      blockHash: anomaly.blockHash,
      txHashes: anomaly.txHashes,
      summary: anomaly.summary,
      addresses: anomaly.addresses,
    },
    text,
  };
}

function describeOutcome(outcome: PauseOutcome): string {
  if (outcome.status === 'paused') return `${outcome.targetId} paused in block ${outcome.blockNumber} (tx ${outcome.txHash})`;
  if (outcome.status === 'already-contained') return `${outcome.targetId} was already paused`;
  if (outcome.status === 'proposed') {
    return `${outcome.targetId}: pause PROPOSED to the Safe, co-signers must sign and execute SafeTx ${outcome.safeTxHash}${outcome.signingUrl ? ` at ${outcome.signingUrl}` : ''}`;
  }
  return `${outcome.targetId} FAILED: ${outcome.reason}`;
}
