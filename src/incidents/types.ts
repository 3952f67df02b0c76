/**
 * Incident records: one per attack on a protocol (not per event), with a timeline precise enough
 * to compute latencies (wall ms for people, monotonic ns within one process run for exact deltas).
 */
import { randomBytes } from 'node:crypto';
import type { Anomaly, Severity } from '../../detectors/types.js';
import { processRunId } from '../run-id.js';

export { processRunId };

export const incidentStatuses = ['open', 'contained', 'containment-failed', 'resolved'] as const;
export type IncidentStatus = (typeof incidentStatuses)[number];

export const timelineEntryTypes = [
  'anomaly-detected',
  'response-started',
  'already-contained',
  /** Nonce and fees of a signed pause tx, recorded BEFORE it is broadcast. */
  'tx-prepared',
  'tx-broadcast',
  'tx-replaced',
  'tx-mined',
  'verified-paused',
  /**
   * A pause hit an error a retry can fix (an RPC or Redis outage): the job is retried and the status
   * stays as it is. `containment-failed` is kept for reverts, missing permissions and abandoned jobs.
   */
  'response-retrying',
  'containment-failed',
  'notification-sent',
  'notification-failed',
  'trigger-reorged-out',
  /** The block holding warden's mined pause tx was reorged out: the pause is checked and re-sent if needed. */
  'pause-reorged-out',
  'status-changed',
  /** Mode safe-propose: warden proposed the pausing SafeTx; data has safeTxHash, safeNonce and signingUrl. */
  'safe-tx-proposed',
  /** The co-signers executed warden's proposed SafeTx (txHash is the outer transaction). */
  'safe-tx-executed',
  /** A readiness check that had failed (see its `readiness` anomaly) passes again. */
  'readiness-recovered',
  /** The head moves again after a stall (see its `liveness` anomaly); data.blockNumber is the new block. */
  'liveness-recovered',
  /** A person took the incident (`warden incidents ack`); data.by names them. Stops escalation. */
  'acknowledged',
  /** A person's note (`warden incidents note`); data.by, data.text. */
  'note',
  /** A notification not sent because the same event reached that channel within `plan.cooldown`. */
  'notification-suppressed',
  /** `warden recover` prepared an unpause for people to send (a Safe proposal or calldata); warden never sends it. */
  'recovery-prepared',
  /** A plan step in dry run (plan.dryRun or the step's dryRun): data says what it would have done; nothing was sent. */
  'dry-run',
  /** A page held back by quiet hours (incident below critical); data.until is when it goes out. */
  'page-deferred',
  /** A role was paged: data.levels says when each escalation level fires unless someone acknowledges. */
  'escalation-armed',
  /** Nobody acknowledged in time: data.level, the roles and channels paged. */
  'escalated',
  /** Recorded from the local spool after a Redis outage: the anomaly was detected and contained while Redis was unreachable. */
  'spool-replayed',
] as const;
export type TimelineEntryType = (typeof timelineEntryTypes)[number];

/** Block numbers in `data` are named `blockNumber` (as in Anomaly), tx hashes `txHash`. */
export interface TimelineEntry {
  type: TimelineEntryType;
  /** Wall clock, ms since epoch. */
  at: number;
  /** process.hrtime.bigint() as a decimal string; only comparable between entries with the same runId. */
  monoNs: string;
  runId: string;
  /** JSON-safe details (bigints as decimal strings). Never secrets. */
  data: Record<string, unknown>;
}

/** The block that triggered an anomaly of the incident. */
export interface TriggerBlock {
  anomalyId: string;
  detectorId: string;
  chainId: number;
  blockNumber: number;
  blockHash: string;
}

export interface Incident {
  /** `inc_` + time-sortable base36 ms + random hex; never contains ':'. */
  id: string;
  status: IncidentStatus;
  /** The highest severity of its anomalies. */
  severity: Severity;
  protocol: string;
  chainId: number;
  /** Contract names involved. */
  contracts: string[];
  anomalyIds: string[];
  triggerBlocks: TriggerBlock[];
  createdAt: number;
  updatedAt: number;
  timeline: TimelineEntry[];
}

/** An incident without its timeline (what `list` returns). */
export type IncidentSummary = Omit<Incident, 'timeline'>;

export interface OpenOrJoinParameters {
  anomaly: Anomaly;
  protocol: string;
  contracts: string[];
  /** Anomalies on the same protocol within this many seconds of the incident's last anomaly join it. */
  windowSeconds: number;
}

export interface OpenOrJoinResult {
  incident: IncidentSummary;
  /** True when this call opened the incident. */
  created: boolean;
  /** False when the anomaly was already part of the incident (a retried job): nothing was added. */
  anomalyAdded: boolean;
}

export interface AppendParameters {
  incidentId: string;
  entry: TimelineEntry;
  /**
   * Appends only if no entry with this key was appended before (idempotency under job retries,
   * e.g. `tx-mined:0xhash`). Returns false when skipped.
   */
  onceKey?: string;
}

export interface SetStatusParameters {
  incidentId: string;
  status: IncidentStatus;
  reason?: string;
  runId?: string;
  /** Only a person may resolve an incident, or reopen a resolved one (`warden incidents resolve|reopen`). */
  actor?: 'warden' | 'human';
  /** Who made the change (a person's name); recorded in the `status-changed` entry. */
  by?: string;
  /** Change only from these statuses (checked atomically); from any other the call is a no-op. */
  onlyFrom?: IncidentStatus[];
}

export interface SetStatusResult {
  changed: boolean;
  from?: IncidentStatus;
  to: IncidentStatus;
}

export interface IncidentStore {
  /** Atomically opens the protocol's incident or joins the open one; records `anomaly-detected` once per anomaly id. */
  openOrJoin(params: OpenOrJoinParameters): Promise<OpenOrJoinResult>;
  /** Appends a timeline entry; with `onceKey`, at most once. Resolves true when appended. */
  append(params: AppendParameters): Promise<boolean>;
  /** True when an entry with this onceKey was appended. */
  hasOnce(params: { incidentId: string; onceKey: string }): Promise<boolean>;
  /**
   * Atomically claims `onceKey` for this incident for `leaseMs` (default 60 s): true for exactly one
   * caller across workers and replicas while the lease lasts. For side effects outside Redis (a
   * webhook): check `hasOnce`, claim, act, then append with that onceKey — or `releaseOnce` if it failed.
   */
  claimOnce(params: { incidentId: string; onceKey: string; leaseMs?: number }): Promise<boolean>;
  releaseOnce(params: { incidentId: string; onceKey: string }): Promise<void>;
  /** Guarded transition (see `allowedTransitions`); records `status-changed` when it changes. */
  setStatus(params: SetStatusParameters): Promise<SetStatusResult>;
  get(id: string): Promise<Incident | undefined>;
  /** Newest first. */
  list(params?: { limit?: number; status?: IncidentStatus }): Promise<IncidentSummary[]>;
  /** The incident an anomaly opened or joined (undefined before its job got that far). */
  incidentForAnomaly(anomalyId: string): Promise<string | undefined>;
  /** Incidents that an anomaly of this block joined. */
  incidentsForBlock(params: { chainId: number; blockHash: string }): Promise<string[]>;
  /**
   * Appends `trigger-reorged-out` (once per incident and block hash) to every incident triggered in a
   * dropped block. Never changes status: nothing is unpaused automatically (invariant 2).
   */
  annotateReorg(params: { chainId: number; droppedHashes: string[]; runId?: string }): Promise<number>;
}

/**
 * Which transitions warden may make on its own. Nothing returns to `open` but a person reopening a
 * resolved incident; a later pause step may still fail after an earlier one succeeded (and vice
 * versa); `resolved` is human-only.
 */
export const allowedTransitions: Record<IncidentStatus, IncidentStatus[]> = {
  open: ['contained', 'containment-failed', 'resolved'],
  contained: ['containment-failed', 'resolved'],
  'containment-failed': ['contained', 'resolved'],
  resolved: [],
};

/** A timeline entry stamped now (wall and monotonic). */
export function timelineEntry(
  type: TimelineEntryType,
  data: Record<string, unknown> = {},
  runId: string = processRunId,
): TimelineEntry {
  return { type, at: Date.now(), monoNs: process.hrtime.bigint().toString(), runId, data };
}

/** `inc_` + 9 base36 chars of ms (sortable until year 5188) + 10 random hex chars. */
export function newIncidentId(nowMs: number = Date.now()): string {
  return `inc_${nowMs.toString(36).padStart(9, '0')}${randomBytes(5).toString('hex')}`;
}
