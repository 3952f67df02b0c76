/**
 * The plan runner: for one anomaly, open or join its protocol's incident and carry out the steps of
 * every matching plan rule — pause (through the pauser of the target's chain), record, notify.
 *
 * Guarantees:
 * - Idempotent under job retries: the incident join, every timeline entry and every pause are
 *   keyed, so a retried job adds nothing twice and never sends a second pause tx. A job delivered
 *   again after people resolved its incident does nothing (they may have unpaused on purpose).
 * - Dry-run steps (plan.dryRun or a step's dryRun) are recorded as `dry-run` entries and send nothing.
 * - Pauses go first and are never delayed by anything else: notifications and pages wait for the pause
 *   outcomes (up to `notifyWaitMs`, so people hear quickly even if a tx is slow) and their failures
 *   are recorded, never thrown.
 * - Throws only when a retry can help (an RPC or Redis error during a pause): the queue retries. Such
 *   an error leaves the incident's status as it is and records `response-retrying`; what is thrown
 *   and logged is one sanitized line (no RPC urls, no request bodies).
 *
 * @example
 * const runner = createPlanRunner({ config, contracts, incidents, pausers, log });
 * await runner.handle(anomaly);
 */
import type { Logger } from 'pino';
import type { Anomaly } from '../../detectors/types.js';
import type { NotificationChannel } from '../../responders/notify/types.js';
import { PauseTransientError, type GuardianPauser, type PauseOutcome } from '../../responders/pause-guardian.js';
import type { ResolvedContract } from '../config/contracts.js';
import type { Config, PauseTargetConfig } from '../config/schema.js';
import { describeError } from '../errors.js';
import { IncidentTransitionError } from '../incidents/store.js';
import { timelineEntry, type IncidentStatus, type IncidentStore, type TimelineEntry } from '../incidents/types.js';
import { anomalySubject, planActions } from './match.js';
import { notificationPayload } from './notification.js';
import { recordDryRuns } from './dry-run.js';
import { createPlanNotifier } from './notify.js';
import { createPager } from './paging.js';
import type { PlanTimer, PlanTimers } from './timers.js';
import type { Metrics } from '../metrics/metrics.js';

export interface CreatePlanRunnerParameters {
  config: Config;
  contracts: Map<string, ResolvedContract>;
  incidents: IncidentStore;
  /** One pauser per chain id (the chain of the pause target's contract). */
  pausers: Map<number, GuardianPauser>;
  log: Logger;
  /**
   * Notification channels by id (`createChannels`): a `notify: <id>` step naming one sends through
   * it, else through the generic webhook of that id. The daemon fills this map at start (secrets are
   * loaded asynchronously), so it is read at send time.
   */
  channels?: ReadonlyMap<string, NotificationChannel>;
  /** For the generic webhooks. */
  fetch?: typeof fetch;
  /** Notifications wait this long for pause outcomes before going out without them. Default 3000 ms. */
  notifyWaitMs?: number;
  /** Escalation and quiet-hours timers (Redis delayed jobs); without them pages go out at once and never escalate. */
  timers?: PlanTimers;
  /** Default Date.now (quiet hours). */
  now?: () => number;
  /** Head → broadcast latency, containment outcomes and notification outcomes are counted here. */
  metrics?: Metrics;
}

export interface PlanHooks {
  dispatched?(): void;
}

/** The timeline entries that end a pause step, as the containment outcome metric names them. */
const outcomeOfEntry: Partial<Record<TimelineEntry['type'], string>> = {
  'verified-paused': 'paused',
  'already-contained': 'already-contained',
  'safe-tx-proposed': 'proposed',
  'containment-failed': 'failed',
};

/** Timeline entries after which a pause needs nothing more from us to land (or cannot land). */
const dispatchingEntries = new Set(['tx-broadcast', 'already-contained', 'containment-failed']);

export interface PlanRunner {
  /**
   * Carries out the plan for one anomaly. `hooks.dispatched` is called once the containment is on its
   * way: every pause tx broadcast (or found unnecessary, or failed), or at once when no pause applies.
   */
  handle(anomaly: Anomaly, hooks?: PlanHooks): Promise<void>;
  /** Runs a fired plan timer (an escalation level, a page held by quiet hours): see createPlanTimerWorker. */
  handleTimer(timer: PlanTimer): Promise<void>;
}

export function createPlanRunner(params: CreatePlanRunnerParameters): PlanRunner {
  const { config, contracts, incidents, pausers } = params;
  const notifyWaitMs = params.notifyWaitMs ?? 3_000;
  const notifier = createPlanNotifier({ config, incidents, channels: params.channels, fetch: params.fetch, metrics: params.metrics });
  const pager = createPager({ config, incidents, notifier, timers: params.timers, now: params.now });

  /** The pause target's config entry, its chain, and that chain's pauser (each may be missing). */
  function pauserFor(targetId: string): { target?: PauseTargetConfig; chainId?: number; pauser?: GuardianPauser } {
    const target = config.responders.pauses.find((pause) => pause.id === targetId);
    const chainId = target ? contracts.get(target.contract)?.chainId : undefined;
    return { target, chainId, pauser: chainId === undefined ? undefined : pausers.get(chainId) };
  }

  /**
   * One signal per (incident, target): anomalies of one incident share a pause run (the pauser's single
   * flight), and only the run's own record() sees its tx-broadcast — so every sharer listens here.
   */
  const dispatchSignals = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  function dispatchSignal(incidentId: string, targetId: string) {
    const key = `${incidentId}|${targetId}`;
    let signal = dispatchSignals.get(key);
    if (!signal) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      signal = { promise, resolve };
      dispatchSignals.set(key, signal);
      setTimeout(() => dispatchSignals.delete(key), 60_000).unref();
    }
    return signal;
  }

  /** Head → broadcast, when the head was received by this process (monotonic clocks only compare within one run). */
  function observeBroadcast(anomaly: Anomaly, entry: TimelineEntry): void {
    if (!params.metrics || entry.runId !== anomaly.observedAt.runId) return;
    const seconds = Number(BigInt(entry.monoNs) - BigInt(anomaly.observedAt.monoNs)) / 1e9;
    const chain = config.chains.find((candidate) => candidate.id === anomaly.chainId)?.name ?? String(anomaly.chainId);
    if (seconds >= 0) params.metrics.headToBroadcast.observe({ chain }, seconds);
  }

  async function runPause(anomaly: Anomaly, targetId: string, incidentId: string, repeat: boolean, log: Logger, dispatched: () => void): Promise<PauseOutcome> {
    const signal = dispatchSignal(incidentId, targetId);
    void signal.promise.then(dispatched);
    const record = (entry: TimelineEntry, options?: { onceKey?: string }) => {
      const appended = incidents.append({ incidentId, entry, onceKey: options?.onceKey });
      if (dispatchingEntries.has(entry.type)) signal.resolve();
      if (entry.type === 'tx-broadcast') observeBroadcast(anomaly, entry);
      // Counted when first recorded: anomalies sharing one pause run count its outcome once.
      const outcome = outcomeOfEntry[entry.type];
      if (outcome && params.metrics) void appended.then((added) => added && params.metrics!.containments.inc({ target: targetId, outcome }), () => {});
      return appended;
    };
    const { target, chainId, pauser } = pauserFor(targetId);
    if (pauser) return pauser.pause({ targetId, incidentId, record, repeat });
    const reason = !target
      ? `the plan names pause "${targetId}", which responders.pauses does not define`
      : `no guardian can pause on chain ${chainId} (set responders.guardian)`;
    log.error({ target: targetId, reason }, 'containment failed');
    await record(timelineEntry('containment-failed', { targetId, reason }), { onceKey: `containment-failed:${targetId}` });
    return { status: 'failed', targetId, reason };
  }

  async function setStatus(incidentId: string, status: IncidentStatus, reason: string | undefined, log: Logger): Promise<void> {
    try {
      const change = await incidents.setStatus({ incidentId, status, reason });
      if (change.changed) log.warn({ from: change.from, to: status, reason }, `incident ${status}`);
    } catch (error) {
      // A person resolved it meanwhile: their word stands.
      if (error instanceof IncidentTransitionError) log.info({ err: error.message }, 'incident status left as is');
      else throw error;
    }
  }

  return {
    async handle(anomaly, hooks) {
      let dispatchedCalled = false;
      const dispatched = () => {
        if (dispatchedCalled) return;
        dispatchedCalled = true;
        hooks?.dispatched?.();
      };
      try {
        return await handleAnomaly(anomaly, dispatched);
      } finally {
        dispatched();
      }
    },
    handleTimer: (timer) => pager.handleTimer(timer, params.log),
  };

  async function handleAnomaly(anomaly: Anomaly, dispatched: () => void): Promise<void> {
    const { actions } = planActions(config, anomaly);
    const chainName = config.chains.find((chain) => chain.id === anomaly.chainId)?.name ?? String(anomaly.chainId);
    const baseLog = params.log.child({ chain: chainName, block: anomaly.blockNumber, anomaly: anomaly.id });
    if (actions.length === 0) {
      baseLog.info({ detector: anomaly.detectorId, severity: anomaly.severity }, 'no plan rule matches this anomaly; nothing to do');
      return;
    }
    // Start the pauses' reads now, so they overlap with opening the incident.
    for (const action of actions) if (action.kind === 'pause' && !action.dryRun) pauserFor(action.targetId).pauser?.prefetch(action.targetId);
    const subject = anomalySubject({ config, contracts, anomaly });
    const joined = await incidents.openOrJoin({ anomaly, ...subject, windowSeconds: config.plan.incidentWindow });
    const incidentId = joined.incident.id;
    const log = baseLog.child({ incident: incidentId });
    // A job delivered again (its worker was killed) after people resolved the incident: they may have
    // unpaused on purpose. A new anomaly opens a new incident; this old one changes nothing.
    if (joined.incident.status === 'resolved') {
      log.info({ detector: anomaly.detectorId }, 'incident already resolved by a person; not acting on this anomaly again');
      dispatched();
      return;
    }
    log.warn({ protocol: subject.protocol, created: joined.created, severity: anomaly.severity }, joined.created ? 'incident opened' : 'anomaly joined incident');

    const pauseIds = actions.flatMap((action) => (action.kind === 'pause' && !action.dryRun ? [action.targetId] : []));
    // Not awaited before the pauses: on one Redis connection it still lands first in the timeline.
    const started =
      pauseIds.length > 0
        ? incidents.append({ incidentId, entry: timelineEntry('response-started', { anomalyId: anomaly.id, pauses: pauseIds }), onceKey: `response-started:${anomaly.id}` })
        : Promise.resolve(true);
    if (pauseIds.length === 0) dispatched();
    let undispatched = pauseIds.length;
    const pauses = Promise.allSettled(
      pauseIds.map((targetId) => {
        let done = false;
        const oneDispatched = () => {
          if (done) return;
          done = true;
          if (--undispatched === 0) dispatched();
        };
        return runPause(anomaly, targetId, incidentId, !joined.anomalyAdded, log, oneDispatched).finally(oneDispatched);
      }),
    );

    const settled = pauses.then(async (results) => {
      await started;
      if (results.length === 0) return { status: joined.incident.status, outcomes: [] as PauseOutcome[], error: undefined };
      const outcomes = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      const failures = outcomes.filter((outcome) => outcome.status === 'failed');
      const awaitingSigners = outcomes.some((outcome) => outcome.status === 'proposed');
      // Errors a retry can fix (RPC or Redis outages) are not failures: the status stays as it is
      // (`containment-failed` would tell people containment failed), and the queue retries the job.
      const errors = results.flatMap((result, index) =>
        result.status === 'rejected' ? [{ targetId: pauseIds[index]!, reason: describeError(result.reason) }] : [],
      );
      for (const { targetId, reason } of errors) {
        log.error({ target: targetId, err: reason }, 'error while pausing; the job will be retried');
        // Once per anomaly, target and reason: a long outage does not flood the timeline (the logs and an
        // eventual abandoned entry carry the attempt count).
        await incidents.append({
          incidentId,
          entry: timelineEntry('response-retrying', { anomalyId: anomaly.id, targetId, reason }),
          onceKey: `response-retrying:${anomaly.id}:${targetId}:${reason}`,
        });
      }
      if (failures.length > 0) {
        const reason = failures.map((failure) => `${failure.targetId}: ${failure.reason}`).join('; ');
        await setStatus(incidentId, 'containment-failed', reason, log);
      } else if (errors.length === 0 && !awaitingSigners) {
        await setStatus(incidentId, 'contained', undefined, log);
      }
      // A pause proposed to a Safe's co-signers is contained when they execute it (the pauser watches).
      const status: IncidentStatus = failures.length > 0 ? 'containment-failed' : errors.length > 0 || awaitingSigners ? joined.incident.status : 'contained';
      const error = errors[0] && new PauseTransientError(`pausing ${errors[0].targetId} failed: ${errors[0].reason}`);
      // While a pause is being retried, people hear "containment in progress", not partial outcomes.
      return { status, outcomes: errors.length > 0 && failures.length === 0 ? undefined : outcomes, error };
    });

    const notifyIds = actions.flatMap((action) => (action.kind === 'notify' && !action.dryRun ? [action.notifyId] : []));
    const roleIds = actions.flatMap((action) => (action.kind === 'page' && !action.dryRun ? [action.roleId] : []));
    const dryRuns = recordDryRuns({ actions, config, contracts, incidents, incidentId, anomaly, log });
    const notified = (async () => {
      await dryRuns;
      if (notifyIds.length === 0 && roleIds.length === 0) return;
      let timer: Parameters<typeof clearTimeout>[0];
      const early = await Promise.race([
        settled.catch(() => undefined),
        new Promise<undefined>((resolve) => {
          timer = setTimeout(resolve, notifyWaitMs);
        }),
      ]);
      clearTimeout(timer);
      const status = early?.status ?? joined.incident.status;
      const outcomes = early?.outcomes;
      const payload = notificationPayload({ incident: joined.incident, status, anomaly, outcomes, created: joined.created });
      await Promise.all([
        ...notifyIds.map((targetId) => notifier.notify({ targetId, incident: joined.incident, status, anomaly, outcomes, payload, log })),
        ...roleIds.map((roleId) => pager.page({ roleId, incident: joined.incident, status, anomaly, outcomes, payload, log })),
      ]);
    })();

    const [result] = await Promise.all([settled, notified]);
    if (result.error) throw result.error;
  }
}
