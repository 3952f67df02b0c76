/**
 * PagerDuty Events API v2. The page follows the incident: every event uses dedup_key = incident id
 * (and the same routing key), so the alert PagerDuty opens at `incident.opened` is updated by later
 * triggers, acknowledged by `incident.acknowledged` and resolved by `incident.resolved`.
 *
 * Payloads, as PagerDuty documents them (POST https://events.pagerduty.com/v2/enqueue, no auth header:
 * the routing key is in the body):
 * - trigger: `{ routing_key, event_action: "trigger", dedup_key, payload: { summary (≤1024), source,
 *   severity: critical|error|warning|info, timestamp, component, group, class, custom_details },
 *   client, links: [{ href, text }] }`
 * - acknowledge / resolve: `{ routing_key, dedup_key, event_action }`
 * Answers 202 `{ status: "success", message, dedup_key }`; 400 `{ status, message, errors }` (not
 * retried); 429 and 5xx are retried.
 *
 * Fields are plain text (no markup) but untrusted values are still neutralized: PagerDuty's own
 * Slack and Teams integrations repost the summary there.
 */
import type { Severity } from '../../detectors/types.js';
import type { PagerDutyChannelConfig } from '../../src/config/schema-channels.js';
import { channelLabel, deliveryPolicy, requireSecret, type CreateChannelParameters } from './channel-options.js';
import { deliver, httpAttempt } from './delivery.js';
import { neutralize, truncate } from './escape.js';
import { linePlainText, renderNotification, type TemplateOverrides } from './templates.js';
import type { NotificationChannel, NotificationEvent, NotificationMessage } from './types.js';

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';
export const pagerDutySeverity: Record<Severity, PagerDutySeverity> = { critical: 'critical', high: 'error', medium: 'warning', low: 'info', info: 'info' };

export type PagerDutyEvent =
  | {
      routing_key: string;
      event_action: 'trigger';
      dedup_key: string;
      payload: {
        summary: string;
        source: string;
        severity: PagerDutySeverity;
        timestamp: string;
        component: string;
        group: string;
        class: string;
        custom_details: Record<string, unknown>;
      };
      client: string;
      links: { href: string; text: string }[];
    }
  | { routing_key: string; event_action: 'acknowledge' | 'resolve'; dedup_key: string };

export function pagerDutyAction(event: NotificationEvent): 'trigger' | 'acknowledge' | 'resolve' {
  return event === 'incident.acknowledged' ? 'acknowledge' : event === 'incident.resolved' ? 'resolve' : 'trigger';
}

export function pagerDutyEvent(
  message: NotificationMessage,
  options: { routingKey: string; source?: string; group?: string; templates?: TemplateOverrides },
): PagerDutyEvent {
  const action = pagerDutyAction(message.event);
  const dedupKey = truncate(message.incidentId, 255);
  if (action !== 'trigger') return { routing_key: options.routingKey, dedup_key: dedupKey, event_action: action };
  const rendered = renderNotification(message, options.templates);
  const detection = message.detection;
  const summary = detection ? `${linePlainText(rendered.title)}: ${neutralize(detection.summary)}` : linePlainText(rendered.title);
  const links = rendered.sections
    .flatMap((section) => section.lines.flat())
    .filter((segment) => segment.href)
    .map((segment) => ({ href: segment.href!, text: truncate(segment.text, 100) }));
  return {
    routing_key: options.routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: truncate(summary, 1024),
      source: options.source ?? 'warden',
      severity: pagerDutySeverity[message.severity],
      timestamp: new Date(message.at).toISOString(),
      component: message.protocol,
      group: options.group ?? message.protocol,
      class: detection?.detectorId ?? message.event,
      custom_details: {
        event: message.event,
        incident: message.incidentId,
        status: message.status,
        chain: `${message.chain.name} (${message.chain.id})`,
        ...Object.fromEntries(rendered.sections.map((section) => [section.heading, section.lines.map(linePlainText)])),
      },
    },
    client: 'warden',
    links: dedupeLinks(links).slice(0, 20),
  };
}

function dedupeLinks(links: { href: string; text: string }[]): { href: string; text: string }[] {
  const seen = new Set<string>();
  return links.filter((link) => !seen.has(link.href) && seen.add(link.href));
}

export function createPagerDutyChannel(params: CreateChannelParameters<PagerDutyChannelConfig>): NotificationChannel {
  const { config } = params;
  const routingKey = requireSecret({ config, secrets: params.secrets, name: 'routingKey' });
  const policy = deliveryPolicy(config, params.policy);
  return {
    id: config.id,
    kind: 'pagerduty',
    send: (message) => {
      const body = JSON.stringify(pagerDutyEvent(message, { routingKey, source: config.source, group: config.group, templates: config.templates }));
      return deliver({
        label: channelLabel(config),
        secrets: [routingKey],
        policy,
        attempt: (timeoutMs) =>
          httpAttempt({
            fetch: params.fetch,
            url: config.eventsUrl,
            init: { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'warden' }, body },
            timeoutMs,
          }),
      });
    },
  };
}
