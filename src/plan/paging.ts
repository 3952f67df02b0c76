/**
 * Paging people: a `page: <role>` step sends the incident to every channel of that role and arms the
 * escalation (plan.escalation): each level fires after its time since the first page unless someone
 * acknowledged (`warden incidents ack`) or resolved the incident, and pages more roles. Quiet hours
 * hold pages and escalations of incidents below critical until the quiet period ends.
 *
 * Guarantees: each channel hears a page once per anomaly and status and an escalation level once
 * (the notifier's once keys); the timers are Redis delayed jobs (restarts and replicas keep them);
 * a failed send is recorded and never thrown; nothing here delays a pause (the runner calls it
 * after the pause dispatch, like every notification).
 */
import type { Logger } from 'pino';
import { severityRank } from '../../detectors/types.js';
import type { Config, PlanRole } from '../config/schema.js';
import { timelineEntry, type IncidentStore, type IncidentSummary } from '../incidents/types.js';
import { notificationPayload } from './notification.js';
import type { PlanNotifier, PlanNotifyParameters } from './notify.js';
import { quietUntil } from './quiet-hours.js';
import type { PlanTimer, PlanTimers } from './timers.js';

export interface CreatePagerParameters {
  config: Config;
  incidents: IncidentStore;
  notifier: PlanNotifier;
  /** Without timers (tests, one-shot tools) nothing is deferred or escalated: pages go out at once. */
  timers?: PlanTimers;
  /** Default Date.now (tests move the clock into quiet hours). */
  now?: () => number;
}

/** What a notify step gets, for a role instead of one channel. */
export interface PageParameters extends Omit<PlanNotifyParameters, 'targetId'> {
  roleId: string;
  /** A page held back by quiet hours is being sent now: do not hold it again. */
  ignoreQuietHours?: boolean;
}

export interface Pager {
  page(params: PageParameters): Promise<void>;
  /** Runs a fired timer (an escalation level or a held-back page). */
  handleTimer(timer: PlanTimer, log: Logger): Promise<void>;
}

export function createPager(params: CreatePagerParameters): Pager {
  const { config, incidents, notifier, timers } = params;
  const now = params.now ?? Date.now;

  function role(id: string): PlanRole | undefined {
    return config.plan.roles.find((candidate) => candidate.id === id);
  }

  /** Quiet until (ms), or undefined when the incident pages now (critical ones always do). */
  function heldUntil(severity: IncidentSummary['severity']): number | undefined {
    if (severityRank(severity) >= severityRank('critical')) return undefined;
    return quietUntil(config.plan.quietHours, now());
  }

  async function defer(timer: PlanTimer, incidentId: string, until: number, what: Record<string, unknown>, log: Logger): Promise<void> {
    const key = timer.kind === 'page' ? `page_${incidentId}_${timer.roleId}_${until}` : `esc_${incidentId}_${timer.level}_q${until}`;
    await timers!.schedule(timer, { delayMs: until - now(), jobId: key });
    await incidents.append({ incidentId, entry: timelineEntry('page-deferred', { ...what, until, reason: 'quiet hours' }), onceKey: `page-deferred:${key}` });
    log.info({ ...what, until: new Date(until).toISOString() }, 'page held until quiet hours end');
  }

  /** Adds every escalation level's timer (idempotent by job id) and records when each would fire. */
  async function armEscalation(incidentId: string, log: Logger): Promise<void> {
    const levels = config.plan.escalation;
    if (!timers || levels.length === 0) return;
    const startedAt = now();
    for (const [level, entry] of levels.entries()) {
      await timers.schedule({ kind: 'escalate', incidentId, level }, { delayMs: entry.after * 1000, jobId: `esc_${incidentId}_${level}` });
    }
    const plan = levels.map((entry, level) => ({ level, at: startedAt + entry.after * 1000, page: entry.page }));
    if (await incidents.append({ incidentId, entry: timelineEntry('escalation-armed', { levels: plan }), onceKey: 'escalation-armed' })) {
      log.info({ levels: plan.length }, 'escalation armed: it fires unless someone acknowledges');
    }
  }

  async function escalate(incidentId: string, level: number, log: Logger): Promise<void> {
    const entry = config.plan.escalation[level];
    const incident = await incidents.get(incidentId);
    if (!entry || !incident) return; // the plan changed, or the incident is gone
    const acked = incident.timeline.find((candidate) => candidate.type === 'acknowledged');
    if (incident.status === 'resolved' || acked) {
      log.info({ level, by: acked?.data.by, status: incident.status }, 'escalation not needed: the incident was acknowledged or resolved');
      return;
    }
    const until = heldUntil(incident.severity);
    if (until !== undefined && timers) return defer({ kind: 'escalate', incidentId, level }, incidentId, until, { escalationLevel: level + 1 }, log);
    const roleIds = entry.page === 'everyone' ? config.plan.roles.map((candidate) => candidate.id) : entry.page;
    const targets = [...new Set(roleIds.flatMap((id) => role(id)?.channels ?? []))];
    const reason = `not acknowledged within ${formatSeconds(entry.after)} of the first page`;
    const { timeline: _timeline, ...summary } = incident;
    await Promise.all(
      targets.map((targetId) =>
        notifier.notifyEvent({
          targetId,
          incident: summary,
          event: 'incident.escalated',
          onceKey: `escalation:${level}:${targetId}`,
          escalation: { level: level + 1, reason },
          actor: { name: roleIds.join(', ') },
          text: `[${incident.severity}] ${incident.protocol}: ESCALATED (level ${level + 1}, ${reason}) — paging ${roleIds.join(', ')} · incident ${incident.id}`,
          log,
        }),
      ),
    );
    if (await incidents.append({ incidentId, entry: timelineEntry('escalated', { level: level + 1, roles: roleIds, channels: targets, reason }), onceKey: `escalated:${level}` })) {
      log.warn({ level: level + 1, roles: roleIds }, 'incident escalated: nobody acknowledged in time');
    }
  }

  async function page(p: PageParameters): Promise<void> {
    const target = role(p.roleId);
    if (!target) return; // config load rejects unknown roles; a hot-reloaded plan may have dropped it
    const until = p.ignoreQuietHours ? undefined : heldUntil(p.incident.severity);
    if (until !== undefined && timers) {
      return defer({ kind: 'page', incidentId: p.incident.id, roleId: p.roleId, anomaly: p.anomaly }, p.incident.id, until, { role: p.roleId }, p.log);
    }
    await Promise.all(
      target.channels.map((targetId) =>
        notifier.notify({ targetId, incident: p.incident, status: p.status, anomaly: p.anomaly, outcomes: p.outcomes, payload: p.payload, log: p.log }),
      ),
    );
    await armEscalation(p.incident.id, p.log);
  }

  return {
    page,
    async handleTimer(timer, log) {
      const child = log.child({ incident: timer.incidentId, timer: timer.kind });
      if (timer.kind === 'escalate') return escalate(timer.incidentId, timer.level, child);
      const incident = await incidents.get(timer.incidentId);
      if (!incident || incident.status === 'resolved' || incident.timeline.some((entry) => entry.type === 'acknowledged')) {
        child.info({ role: timer.roleId }, 'held-back page not sent: the incident was acknowledged or resolved meanwhile');
        return;
      }
      const { timeline: _timeline, ...summary } = incident;
      const payload = notificationPayload({ incident: summary, status: incident.status, anomaly: timer.anomaly, outcomes: undefined, created: true });
      await page({ roleId: timer.roleId, incident: summary, status: incident.status, anomaly: timer.anomaly, outcomes: undefined, payload, log: child, ignoreQuietHours: true });
    },
  };
}

/** 600 → "10m", 90 → "90s", 7200 → "2h". */
export function formatSeconds(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
