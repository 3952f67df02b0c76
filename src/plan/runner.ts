/**
 * The plan runner: for one anomaly, open or join its protocol's incident and carry out the steps of
 * every matching plan rule — pause (through the pauser of the target's chain), record, notify.
 *
 * Guarantees:
 * - Idempotent under job retries: the incident join, every timeline entry and every pause are
 *   keyed, so a retried job adds nothing twice and never sends a second pause tx.
 * - Pauses go first and are never delayed by anything else: notifications wait for the pause
 *   outcomes (up to `notifyWaitMs`, so people hear quickly even if a tx is slow) and their failures
 *   are recorded, never thrown.
 * - Throws only when a retry can help (an RPC or Redis error during a pause): the queue retries.
 *
 * @example
 * const runner = createPlanRunner({ config, contracts, incidents, pausers, log });
 * await runner.handle(anomaly);
 */
import type { Logger } from 'pino';
import type { Anomaly } from '../../detectors/types.js';
import { sendWebhook } from '../../responders/notify-webhook.js';
import type { GuardianPauser, PauseOutcome } from '../../responders/pause-guardian.js';
import type { ResolvedContract } from '../config/contracts.js';
import type { Config } from '../config/schema.js';
import { IncidentTransitionError } from '../incidents/store.js';
import { timelineEntry, type IncidentStatus, type IncidentStore, type TimelineEntry } from '../incidents/types.js';
import { anomalySubject, planActions } from './match.js';
import { notificationPayload } from './notification.js';

export interface CreatePlanRunnerParameters {
  config: Config;
  contracts: Map<string, ResolvedContract>;
  incidents: IncidentStore;
  /** One pauser per chain id (the chain of the pause target's contract). */
  pausers: Map<number, GuardianPauser>;
  log: Logger;
  fetch?: typeof fetch;
  /** Notifications wait this long for pause outcomes before going out without them. Default 3000 ms. */
  notifyWaitMs?: number;
}

export interface PlanRunner {
  handle(anomaly: Anomaly): Promise<void>;
}

export function createPlanRunner(params: CreatePlanRunnerParameters): PlanRunner {
  const { config, contracts, incidents, pausers } = params;
  const notifyWaitMs = params.notifyWaitMs ?? 3_000;

  function pauserFor(targetId: string): GuardianPauser | undefined {
    const target = config.responders.pauses.find((pause) => pause.id === targetId);
    const chainId = (target && contracts.get(target.contract)?.chainId) ?? undefined;
    return chainId === undefined ? undefined : pausers.get(chainId);
  }

  function runPause(targetId: string, incidentId: string, log: Logger): Promise<PauseOutcome> {
    const record = (entry: TimelineEntry, options?: { onceKey?: string }) => incidents.append({ incidentId, entry, onceKey: options?.onceKey });
    const target = config.responders.pauses.find((pause) => pause.id === targetId);
    const chainId = (target && contracts.get(target.contract)?.chainId) ?? undefined;
    const pauser = pauserFor(targetId);
    if (!pauser) {
      const reason = !target
        ? `the plan names pause "${targetId}", which responders.pauses does not define`
        : `no guardian can pause on chain ${chainId} (set responders.guardian)`;
      log.error({ target: targetId, reason }, 'containment failed');
      return record(timelineEntry('containment-failed', { targetId, reason }), { onceKey: `containment-failed:${targetId}` }).then(() => ({
        status: 'failed' as const,
        targetId,
        reason,
      }));
    }
    return pauser.pause({ targetId, incidentId, record });
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
    async handle(anomaly) {
      const { actions } = planActions(config, anomaly);
      const baseLog = params.log.child({ chain: anomaly.chainId, block: anomaly.blockNumber, anomaly: anomaly.id });
      if (actions.length === 0) {
        baseLog.info({ detector: anomaly.detectorId, severity: anomaly.severity }, 'no plan rule matches this anomaly; nothing to do');
        return;
      }
      // Start the pauses' reads now, so they overlap with opening the incident.
      for (const action of actions) if (action.kind === 'pause') pauserFor(action.targetId)?.prefetch(action.targetId);
      const subject = anomalySubject({ config, contracts, anomaly });
      const joined = await incidents.openOrJoin({ anomaly, ...subject, windowSeconds: config.plan.incidentWindow });
      const incidentId = joined.incident.id;
      const log = baseLog.child({ incident: incidentId });
      log.warn({ protocol: subject.protocol, created: joined.created, severity: anomaly.severity }, joined.created ? 'incident opened' : 'anomaly joined incident');

      const pauseIds = actions.flatMap((action) => (action.kind === 'pause' ? [action.targetId] : []));
      // Not awaited before the pauses: on one Redis connection it still lands first in the timeline.
      const started =
        pauseIds.length > 0
          ? incidents.append({ incidentId, entry: timelineEntry('response-started', { anomalyId: anomaly.id, pauses: pauseIds }), onceKey: `response-started:${anomaly.id}` })
          : Promise.resolve(true);
      const pauses = Promise.allSettled(pauseIds.map((targetId) => runPause(targetId, incidentId, log)));

      const settled = pauses.then(async (results) => {
        await started;
        if (results.length === 0) return { status: joined.incident.status, outcomes: [] as PauseOutcome[], error: undefined };
        const outcomes = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
        const errors = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as Error] : []));
        for (const [i, error] of errors.entries()) {
          const reason = `error while pausing (the job will be retried): ${error.message.split('\n')[0]}`;
          log.error({ err: error.message }, reason);
          await incidents.append({ incidentId, entry: timelineEntry('containment-failed', { reason, retrying: true, index: i }) });
        }
        const failures = outcomes.filter((outcome) => outcome.status === 'failed');
        const status: IncidentStatus = errors.length > 0 || failures.length > 0 ? 'containment-failed' : 'contained';
        const reason = failures.map((failure) => `${failure.targetId}: ${failure.reason}`).join('; ') || errors[0]?.message.split('\n')[0];
        await setStatus(incidentId, status, status === 'contained' ? undefined : reason, log);
        return { status, outcomes, error: errors[0] };
      });

      const notifyIds = actions.flatMap((action) => (action.kind === 'notify' ? [action.webhookId] : []));
      const notified = (async () => {
        if (notifyIds.length === 0) return;
        let timer: Parameters<typeof clearTimeout>[0];
        const early = await Promise.race([
          settled.catch(() => undefined),
          new Promise<undefined>((resolve) => {
            timer = setTimeout(resolve, notifyWaitMs);
          }),
        ]);
        clearTimeout(timer);
        const status = early?.status ?? joined.incident.status;
        const payload = notificationPayload({ incident: joined.incident, status, anomaly, outcomes: early?.outcomes, created: joined.created });
        await Promise.all(notifyIds.map((webhookId) => notify(webhookId, incidentId, anomaly.id, payload, log)));
      })();

      const [result] = await Promise.all([settled, notified]);
      if (result.error) throw result.error;
    },
  };

  async function notify(webhookId: string, incidentId: string, anomalyId: string, payload: ReturnType<typeof notificationPayload>, log: Logger): Promise<void> {
    const onceKey = `notification-sent:${webhookId}:${anomalyId}`;
    if (await incidents.hasOnce({ incidentId, onceKey })) return;
    const webhook = config.responders.webhooks.find((hook) => hook.id === webhookId);
    const result = webhook
      ? await sendWebhook({ webhook, payload, fetch: params.fetch })
      : { ok: false as const, error: `the plan names webhook "${webhookId}", which responders.webhooks does not define`, attempts: 0 };
    if (result.ok) {
      await incidents.append({ incidentId, entry: timelineEntry('notification-sent', { webhook: webhookId, event: payload.event, httpStatus: result.status, attempts: result.attempts }), onceKey });
      log.info({ webhook: webhookId, event: payload.event }, 'notification sent');
    } else {
      await incidents.append({ incidentId, entry: timelineEntry('notification-failed', { webhook: webhookId, event: payload.event, error: result.error, attempts: result.attempts }) });
      log.warn({ webhook: webhookId, err: result.error }, 'notification failed');
    }
  }
}
