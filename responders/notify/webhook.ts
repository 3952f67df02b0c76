/**
 * The generic webhook: one signed JSON POST per event (headers and verification: webhook-signature.ts).
 *
 * The body carries the structured facts RAW — summaries, evidence and reasons exactly as they came
 * from the chain, so they are attacker-controlled: a receiver must escape them for wherever it shows
 * them. `text` is the one exception: a one-line summary already neutralized (no mentions, no urls)
 * that a receiver may post to a chat as is.
 */
import { createHash } from 'node:crypto';
import type { WebhookChannelConfig } from '../../src/config/schema-channels.js';
import type { IncidentStatus } from '../../src/incidents/types.js';
import { channelLabel, deliveryPolicy, requireSecret, type CreateChannelParameters } from './channel-options.js';
import { deliver, httpAttempt } from './delivery.js';
import { linePlainText, renderNotification, type TemplateOverrides } from './templates.js';
import type { NotificationActor, NotificationChannel, NotificationDetection, NotificationEvent, NotificationMessage } from './types.js';
import { signWardenWebhook, wardenWebhookHeaders } from './webhook-signature.js';
import type { PauseOutcome } from '../pause-guardian.js';

export interface WardenWebhookBody {
  version: 1;
  event: NotificationEvent;
  /** ISO 8601 time of the event. */
  at: string;
  incident: { id: string; status?: IncidentStatus; severity: string; protocol: string; chainId: number };
  chain: { id: number; name: string };
  detection: NotificationDetection | null;
  actions: readonly PauseOutcome[] | null;
  actor: NotificationActor | null;
  escalation: { level: number; reason: string } | null;
  nextSteps: string[];
  /** Every link the human-readable message shows (explorer, Safe signing page). */
  links: { text: string; href: string }[];
  /** One neutralized line for people. */
  text: string;
}

export function webhookBody(message: NotificationMessage, templates?: TemplateOverrides): WardenWebhookBody {
  const rendered = renderNotification(message, templates);
  const next = rendered.sections.find((section) => section.heading === 'What you must do next');
  const detection = message.detection;
  return {
    version: 1,
    event: message.event,
    at: new Date(message.at).toISOString(),
    incident: { id: message.incidentId, status: message.status, severity: message.severity, protocol: message.protocol, chainId: message.chain.id },
    chain: { id: message.chain.id, name: message.chain.name },
    detection: detection ?? null,
    actions: message.actions ?? null,
    actor: message.actor ?? null,
    escalation: message.escalation ?? null,
    nextSteps: (next?.lines ?? []).map(linePlainText),
    links: rendered.sections.flatMap((section) => section.lines.flat()).filter((segment) => segment.href).map((segment) => ({ text: segment.text, href: segment.href! })),
    text: detection ? `${linePlainText(rendered.title)} · ${linePlainText([{ text: detection.summary, untrusted: true }])}` : linePlainText(rendered.title),
  };
}

/** The delivery id: a digest of the body, so retries (and replicas sending the same event) share it. */
export function deliveryId(body: string): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 32);
}

export function createWebhookChannel(params: CreateChannelParameters<WebhookChannelConfig>): NotificationChannel {
  const { config } = params;
  const url = requireSecret({ config, secrets: params.secrets, name: 'url' });
  const secret = requireSecret({ config, secrets: params.secrets, name: 'signingSecret' });
  const policy = deliveryPolicy(config, params.policy);
  return {
    id: config.id,
    kind: 'webhook',
    send: (message) => {
      const body = JSON.stringify(webhookBody(message, config.templates));
      const delivery = deliveryId(body);
      return deliver({
        label: channelLabel(config),
        // The url counts as secret even inline: it may carry a token in its path.
        secrets: [secret, url],
        policy,
        attempt: (timeoutMs) => {
          const timestamp = Math.floor(Date.now() / 1000);
          return httpAttempt({
            fetch: params.fetch,
            url,
            init: {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                'user-agent': 'warden',
                [wardenWebhookHeaders.event]: message.event,
                [wardenWebhookHeaders.delivery]: delivery,
                [wardenWebhookHeaders.timestamp]: String(timestamp),
                [wardenWebhookHeaders.signature]: signWardenWebhook({ secret, timestamp, body }),
              },
              body,
            },
            timeoutMs,
          });
        },
      });
    },
  };
}
