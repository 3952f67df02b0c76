/**
 * A person acknowledged or resolved an incident (`warden incidents ack|resolve --config FILE`): every
 * channel the plan notifies hears of it, so the page follows the incident — PagerDuty acknowledge /
 * resolve with dedup_key = incident id, Opsgenie acknowledge / close by alias, a chat message elsewhere.
 * Each send is recorded as `notification-sent` or `notification-failed` (with channel, kind, event).
 *
 * Only the channels plan steps name, and role channels that were paged for this incident, are told
 * (and only their secrets are loaded). Generic JSON webhooks (`responders.webhooks`) are not: their payload has no
 * lifecycle events.
 *
 * @example
 * const notices = await notifyLifecycle({ config, incidents, incidentId, event: 'incident.acknowledged', actor: { name: 'alice' } });
 */
import { createChannels, loadChannelSecrets, messageFromIncident, type NotificationActor, type NotificationChannel } from '../../responders/notify/index.js';
import type { Config } from '../config/schema.js';
import { timelineEntry, type IncidentStore } from '../incidents/types.js';

export type LifecycleEvent = 'incident.acknowledged' | 'incident.resolved';

export interface NotifyLifecycleParameters {
  config: Config;
  incidents: IncidentStore;
  incidentId: string;
  event: LifecycleEvent;
  /** Who acknowledged or resolved, with their resolution summary as `note`. */
  actor: NotificationActor;
  /** Where channel secrets come from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Ready channels (tests); default: built from the config and `env`. */
  channels?: ReadonlyMap<string, NotificationChannel>;
}

export interface LifecycleNotice {
  channel: string;
  kind: string;
  ok: boolean;
  /** One line, secret-free (also recorded in the timeline). */
  error?: string;
}

/**
 * Ids of the channels to tell, in plan order, each once: those plan steps notify, and those of the
 * plan's roles that were paged for this incident (`heard`: channel ids with a notification-sent
 * entry) — a secondary who was never escalated to gets no "acknowledged" page.
 */
export function planChannelIds(config: Config, heard: ReadonlySet<string> = new Set()): string[] {
  const channelIds = new Set(config.responders.channels.map((channel) => channel.id));
  const named = config.plan.rules.flatMap((rule) => rule.steps.flatMap((step) => (typeof step === 'object' && 'notify' in step ? [step.notify] : [])));
  const paged = config.plan.roles.flatMap((role) => role.channels).filter((id) => heard.has(id));
  return [...new Set([...named, ...paged].filter((id) => channelIds.has(id)))];
}

/**
 * @throws ChannelSecretError when a told channel's secret is missing (nothing is sent then), or an
 * Error when the incident does not exist. A failed send is recorded and returned, never thrown.
 */
export async function notifyLifecycle(params: NotifyLifecycleParameters): Promise<LifecycleNotice[]> {
  const { config, incidents, incidentId, event } = params;
  const incident = await incidents.get(incidentId);
  if (!incident) throw new Error(`no incident ${incidentId}`);
  const heard = new Set(incident.timeline.flatMap((entry) => (entry.type === 'notification-sent' && typeof entry.data.channel === 'string' ? [entry.data.channel] : [])));
  const ids = planChannelIds(config, heard);
  if (ids.length === 0) return [];
  const channels = params.channels ?? (await buildChannels(config, ids, params.env));
  const chain = config.chains.find((candidate) => candidate.id === incident.chainId);
  const message = messageFromIncident({ event, incident, chainName: chain?.name ?? String(incident.chainId), explorerUrl: chain?.explorerUrl, actor: params.actor });
  return Promise.all(
    ids.flatMap((id) => {
      const channel = channels.get(id);
      if (!channel) return [];
      return [
        (async (): Promise<LifecycleNotice> => {
          const result = await channel.send(message);
          const who = { channel: channel.id, kind: channel.kind, event, by: params.actor.name };
          const entry = result.ok
            ? timelineEntry('notification-sent', { ...who, httpStatus: result.status, attempts: result.attempts })
            : timelineEntry('notification-failed', { ...who, error: result.error, attempts: result.attempts });
          await incidents.append({ incidentId, entry });
          return { channel: channel.id, kind: channel.kind, ok: result.ok, ...(result.ok ? {} : { error: result.error }) };
        })(),
      ];
    }),
  );
}

async function buildChannels(config: Config, ids: string[], env: NodeJS.ProcessEnv | undefined): Promise<Map<string, NotificationChannel>> {
  const configs = config.responders.channels.filter((channel) => ids.includes(channel.id));
  const secrets = await loadChannelSecrets({ channels: configs, env });
  return createChannels({ configs, secrets });
}
