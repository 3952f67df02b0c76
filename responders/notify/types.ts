/**
 * The channel-neutral notification: everything a person needs to act on an incident event, before
 * any channel's markup. Templates (templates.ts) turn it into titles, facts and sections; each
 * channel module renders those in its own markup, escaping every value that came from the chain.
 *
 * Trust: `protocol`, `chain`, detector ids and target ids come from the operator's config;
 * `detection.summary`, `detection.evidence`, `actor` and every `reason` may carry attacker-chosen
 * text (token names, revert strings, ...) and are always escaped and neutralised.
 */
import type { Severity } from '../../detectors/types.js';
import type { IncidentStatus } from '../../src/incidents/types.js';
import type { PauseOutcome } from '../pause-guardian.js';

export const notificationEvents = [
  'incident.opened',
  /** Another anomaly joined an open incident. */
  'incident.updated',
  'incident.contained',
  'incident.containment-failed',
  /** Nobody acknowledged in time: the next people in the escalation are paged. */
  'incident.escalated',
  'incident.acknowledged',
  'incident.resolved',
  /** A readiness check failed: a pause step could not be carried out right now. */
  'readiness.failing',
] as const;
export type NotificationEvent = (typeof notificationEvents)[number];

/** What the detector saw. Block numbers are numbers, hashes 0x-hex. */
export interface NotificationDetection {
  detectorId: string;
  /** Attacker-influenced (built from chain data). */
  summary: string;
  blockNumber: number;
  blockHash?: string;
  txHashes: readonly string[];
  addresses: readonly string[];
  /** Detector evidence, JSON-safe; attacker-influenced. Only the first few entries are shown. */
  evidence?: Readonly<Record<string, unknown>>;
}

/** A person acting on the incident (`warden incidents ack ID --by NAME`), or whom an escalation paged. */
export interface NotificationActor {
  name: string;
  /** Their note or resolution summary. */
  note?: string;
}

export interface NotificationMessage {
  event: NotificationEvent;
  /** Also the PagerDuty dedup_key and the Opsgenie alias: the page follows the incident. */
  incidentId: string;
  severity: Severity;
  protocol: string;
  chain: {
    id: number;
    name: string;
    /** Block explorer root, e.g. https://etherscan.io: links are <root>/tx/<hash>, /address/<a>, /block/<n>. */
    explorerUrl?: string;
  };
  status?: IncidentStatus;
  /** When the event happened, ms since epoch. */
  at: number;
  detection?: NotificationDetection;
  /** The pause steps' outcomes (paused, already contained, proposed to a Safe, failed). */
  actions?: readonly PauseOutcome[];
  /** Who acknowledged or resolved (those events), or who was paged (escalated). */
  actor?: NotificationActor;
  /** Escalated: which level of the escalation this is and why. */
  escalation?: { level: number; reason: string };
  /** Replaces the event's default "what to do next" lines. */
  nextSteps?: readonly string[];
}

export const channelKinds = ['slack', 'discord', 'telegram', 'pagerduty', 'opsgenie', 'email', 'webhook'] as const;
export type ChannelKind = (typeof channelKinds)[number];

/**
 * The outcome of one send. `error` is one line that names the channel and what went wrong; it never
 * contains a secret (webhook urls, tokens, routing keys, GenieKeys, SMTP passwords) and is safe to
 * record in the incident timeline.
 */
export interface SendResult {
  ok: boolean;
  /** HTTP requests (or SMTP sessions) made, retries included. */
  attempts: number;
  /** The last HTTP status (or SMTP reply code) received, if any. */
  status?: number;
  error?: string;
}

export interface NotificationChannel {
  /** The config id (`responders.channels[].id`). */
  id: string;
  kind: ChannelKind;
  /** Never throws and never takes longer than the channel's retry bound (plus one attempt timeout). */
  send(message: NotificationMessage): Promise<SendResult>;
}
