/**
 * A plan step `notify: <id>`: sends one incident event to a notification channel
 * (`responders.channels`, responders/notify/) or to a generic JSON webhook (`responders.webhooks`),
 * and records `notification-sent` or `notification-failed` in the incident timeline.
 *
 * Guarantees (both kinds): once per target, anomaly and incident state across job retries and
 * replicas; never throws for a failed send (it is recorded); never called before the pause dispatch.
 *
 * @example
 * const notifier = createPlanNotifier({ config, incidents, channels });
 * await notifier.notify({ targetId: 'oncall-pager', incident, status, anomaly, outcomes, payload, log });
 */
import type { Logger } from 'pino';
import type { Anomaly } from '../../detectors/types.js';
import {
  messageFromIncident,
  notificationEvents,
  type NotificationActor,
  type NotificationChannel,
  type NotificationEvent,
  type NotificationMessage,
} from '../../responders/notify/index.js';
import { sendWebhook, type WebhookPayload } from '../../responders/notify-webhook.js';
import type { PauseOutcome } from '../../responders/pause-guardian.js';
import type { Config } from '../config/schema.js';
import type { Metrics } from '../metrics/metrics.js';
import { timelineEntry, type IncidentStatus, type IncidentStore, type IncidentSummary } from '../incidents/types.js';

export interface CreatePlanNotifierParameters {
  config: Config;
  incidents: IncidentStore;
  /** Channels by id (`createChannels`); a step naming an id found here goes to the channel. */
  channels?: ReadonlyMap<string, NotificationChannel>;
  /** For the generic webhooks (channels bring their own). */
  fetch?: typeof fetch;
  /** Counts sends by target and outcome. */
  metrics?: Metrics;
}

export interface PlanNotifyParameters {
  /** The step's `notify` id: a channel or a webhook. */
  targetId: string;
  incident: IncidentSummary;
  status: IncidentStatus;
  anomaly: Anomaly;
  /** Undefined while containment is still in progress. */
  outcomes: readonly PauseOutcome[] | undefined;
  /** The generic webhook's payload; its `event` is the channel message's event too. */
  payload: WebhookPayload;
  log: Logger;
}

/** An incident event that is not about one anomaly (an escalation): sent once per `onceKey`, no cooldown. */
export interface PlanEventParameters {
  targetId: string;
  incident: IncidentSummary;
  event: NotificationEvent;
  /** Unique per incident: the send happens once across retries and replicas. */
  onceKey: string;
  escalation?: { level: number; reason: string };
  /** Whom it pages (shown as "Paged"). */
  actor?: NotificationActor;
  /** The generic webhook's one-line text. */
  text: string;
  log: Logger;
}

export interface PlanNotifier {
  notify(params: PlanNotifyParameters): Promise<void>;
  notifyEvent(params: PlanEventParameters): Promise<void>;
}

type Sent = { ok: true; status?: number; attempts: number } | { ok: false; error?: string; attempts: number };
type Delivery = { result: Sent; who: Record<string, string> };

export function createPlanNotifier(params: CreatePlanNotifierParameters): PlanNotifier {
  const { config, incidents } = params;

  function chainOf(incident: IncidentSummary) {
    const chain = config.chains.find((candidate) => candidate.id === incident.chainId);
    return { chainName: chain?.name ?? String(incident.chainId), explorerUrl: chain?.explorerUrl };
  }

  /** Through the channel of that id, else the generic webhook of that id. */
  async function send(targetId: string, message: () => NotificationMessage, payload: () => WebhookPayload): Promise<Delivery> {
    const channel = params.channels?.get(targetId);
    if (channel) return { result: await channel.send(message()), who: { channel: channel.id, kind: channel.kind } };
    const webhook = config.responders.webhooks.find((hook) => hook.id === targetId);
    const result: Sent = webhook
      ? await sendWebhook({ webhook, payload: payload(), fetch: params.fetch })
      : { ok: false, error: `the plan names "${targetId}", which neither responders.channels nor responders.webhooks defines`, attempts: 0 };
    return { result, who: { webhook: targetId } };
  }

  /** Records the outcome: sent (with the once key), or failed (the key released so a retry may send). */
  async function record(p: { incidentId: string; onceKey: string; event: string; delivery: Delivery; log: Logger; cooldownKey?: string }) {
    const { result, who } = p.delivery;
    params.metrics?.notifications.inc({ target: who.channel ?? who.webhook ?? 'unknown', outcome: result.ok ? 'sent' : 'failed' });
    if (result.ok) {
      await incidents.append({
        incidentId: p.incidentId,
        entry: timelineEntry('notification-sent', { ...who, event: p.event, httpStatus: result.status, attempts: result.attempts }),
        onceKey: p.onceKey,
      });
      p.log.info({ ...who, event: p.event }, 'notification sent');
      return;
    }
    await incidents.releaseOnce({ incidentId: p.incidentId, onceKey: p.onceKey });
    // A failed send opens no window: the retry (or the next anomaly) may send.
    if (p.cooldownKey) await incidents.releaseOnce({ incidentId: p.incidentId, onceKey: p.cooldownKey });
    await incidents.append({ incidentId: p.incidentId, entry: timelineEntry('notification-failed', { ...who, event: p.event, error: result.error, attempts: result.attempts }) });
    p.log.warn({ ...who, err: result.error }, 'notification failed');
  }

  return {
    async notify(p) {
      // One notification per target, anomaly and incident state, across retries and replicas: after
      // "containment in progress" (a pause being retried) the run that contains it still tells people,
      // but two replicas handling the same anomaly send it once. Claimed before sending, released if
      // the send failed (so a retry can try again); the claim is a lease, so a crash mid-send does not
      // silence the notification for good.
      const { incident, payload, log } = p;
      const onceKey = `notification:${p.targetId}:${p.anomaly.id}:${payload.incident.status}`;
      if (await incidents.hasOnce({ incidentId: incident.id, onceKey })) return;
      if (!(await incidents.claimOnce({ incidentId: incident.id, onceKey }))) return;
      // Cooldown: the first of an event per target opens a window (a lease that is never released on
      // success); later anomalies with the same event inside it are recorded as suppressed, not sent.
      const cooldownMs = Math.round(config.plan.cooldown * 1000);
      // Keyed by severity too: an incident that turns critical is news even inside the window.
      const cooldownKey = `cooldown:${p.targetId}:${payload.event}:${payload.incident.severity}`;
      if (cooldownMs > 0 && !(await incidents.claimOnce({ incidentId: incident.id, onceKey: cooldownKey, leaseMs: cooldownMs }))) {
        await incidents.append({
          incidentId: incident.id,
          entry: timelineEntry('notification-suppressed', { target: p.targetId, event: payload.event, anomalyId: p.anomaly.id, cooldownSeconds: config.plan.cooldown }),
          onceKey,
        });
        params.metrics?.notifications.inc({ target: p.targetId, outcome: 'suppressed' });
        log.debug({ target: p.targetId, event: payload.event }, 'notification suppressed by the cooldown');
        return;
      }
      const message = () =>
        messageFromIncident({
          event: channelEvent(payload.event),
          incident: { ...incident, status: p.status },
          ...chainOf(incident),
          anomaly: p.anomaly,
          outcomes: p.outcomes,
          status: p.status,
        });
      const delivery = await send(p.targetId, message, () => payload);
      await record({ incidentId: incident.id, onceKey, event: payload.event, delivery, log, cooldownKey: cooldownMs > 0 ? cooldownKey : undefined });
    },

    async notifyEvent(p) {
      const { incident, onceKey } = p;
      if (await incidents.hasOnce({ incidentId: incident.id, onceKey })) return;
      if (!(await incidents.claimOnce({ incidentId: incident.id, onceKey }))) return;
      const message = () => messageFromIncident({ event: p.event, incident, ...chainOf(incident), escalation: p.escalation, actor: p.actor });
      const payload = (): WebhookPayload => ({
        event: p.event,
        incident: { id: incident.id, status: incident.status, severity: incident.severity, protocol: incident.protocol, chainId: incident.chainId },
        text: p.text,
      });
      const delivery = await send(p.targetId, message, payload);
      await record({ incidentId: incident.id, onceKey, event: p.event, delivery, log: p.log });
    },
  };
}
/** The webhook payload's event as a channel event (they share names); anything else is an update. */
export function channelEvent(event: string): NotificationEvent {
  return (notificationEvents as readonly string[]).includes(event) ? (event as NotificationEvent) : 'incident.updated';
}
