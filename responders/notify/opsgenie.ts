/**
 * Opsgenie Alert API v2. The alert follows the incident by alias = incident id: created when the
 * incident opens (or escalates, fails containment, or a readiness check fails; a second create with
 * the same alias is de-duplicated by Opsgenie), noted on updates and containment, acknowledged by
 * `incident.acknowledged` and closed by `incident.resolved` — both addressed by alias.
 *
 * Requests, as Opsgenie documents them (header `Authorization: GenieKey <key>`, JSON bodies, root
 * https://api.opsgenie.com or https://api.eu.opsgenie.com):
 * - create: POST /v2/alerts `{ message (≤130), alias (≤512), description (≤15000), responders, tags,
 *   details, entity, source, priority: P1..P5, user }`
 * - note: POST /v2/alerts/<alias>/notes?identifierType=alias `{ note, user, source }`
 * - acknowledge / close: POST /v2/alerts/<alias>/acknowledge|close?identifierType=alias `{ user, source, note }`
 * All answer 202 `{ result: "Request will be processed", took, requestId }` (processed asynchronously).
 */
import type { Severity } from '../../detectors/types.js';
import type { OpsgenieChannelConfig } from '../../src/config/schema-channels.js';
import { channelLabel, deliveryPolicy, requireSecret, type CreateChannelParameters } from './channel-options.js';
import { deliver, httpAttempt } from './delivery.js';
import { neutralize, truncate } from './escape.js';
import { linePlainText, renderNotification, renderPlainText, type TemplateOverrides } from './templates.js';
import type { NotificationChannel, NotificationEvent, NotificationMessage } from './types.js';

export const opsgenieApiRoots = { us: 'https://api.opsgenie.com', eu: 'https://api.eu.opsgenie.com' } as const;
export const opsgeniePriority: Record<Severity, 'P1' | 'P2' | 'P3' | 'P4' | 'P5'> = { critical: 'P1', high: 'P2', medium: 'P3', low: 'P4', info: 'P5' };

export type OpsgenieOperation = 'create' | 'note' | 'acknowledge' | 'close';

export function opsgenieOperation(event: NotificationEvent): OpsgenieOperation {
  if (event === 'incident.acknowledged') return 'acknowledge';
  if (event === 'incident.resolved') return 'close';
  if (event === 'incident.updated' || event === 'incident.contained') return 'note';
  return 'create';
}

export interface OpsgenieRequest {
  /** Path under the API root, with the alias url-encoded. */
  path: string;
  body: Record<string, unknown>;
}

export function opsgenieRequest(
  message: NotificationMessage,
  options: { responders?: OpsgenieChannelConfig['responders']; tags?: readonly string[]; templates?: TemplateOverrides },
): OpsgenieRequest {
  const operation = opsgenieOperation(message.event);
  const rendered = renderNotification(message, options.templates);
  const alias = truncate(message.incidentId, 512);
  const byAlias = (action: string) => `/v2/alerts/${encodeURIComponent(alias)}/${action}?identifierType=alias`;
  const description = truncate(renderPlainText(rendered), 15_000);
  if (operation === 'create') {
    const detection = message.detection;
    const details: Record<string, string> = {
      event: message.event,
      incident: message.incidentId,
      protocol: message.protocol,
      chain: `${message.chain.name} (${message.chain.id})`,
      severity: message.severity,
      ...(detection ? { detector: detection.detectorId, block: String(detection.blockNumber), txHashes: detection.txHashes.slice(0, 10).join(' ') } : {}),
    };
    return {
      path: '/v2/alerts',
      body: {
        message: truncate(linePlainText(rendered.title), 130),
        alias,
        description,
        ...(options.responders && options.responders.length > 0 ? { responders: options.responders } : {}),
        tags: [...(options.tags ?? ['warden'])],
        details,
        entity: truncate(message.protocol, 512),
        source: 'warden',
        priority: opsgeniePriority[message.severity],
        user: 'warden',
      },
    };
  }
  if (operation === 'note') return { path: byAlias('notes'), body: { note: truncate(description, 25_000), user: 'warden', source: 'warden' } };
  const actor = message.actor ? truncate(neutralize(message.actor.name), 100) : 'warden';
  return { path: byAlias(operation), body: { user: actor, source: 'warden', note: truncate(description, 25_000) } };
}

export function createOpsgenieChannel(params: CreateChannelParameters<OpsgenieChannelConfig>): NotificationChannel {
  const { config } = params;
  const apiKey = requireSecret({ config, secrets: params.secrets, name: 'apiKey' });
  const root = (config.apiUrl ?? opsgenieApiRoots[config.region]).replace(/\/+$/, '');
  const policy = deliveryPolicy(config, params.policy);
  return {
    id: config.id,
    kind: 'opsgenie',
    send: (message) => {
      const request = opsgenieRequest(message, { responders: config.responders, tags: config.tags, templates: config.templates });
      const body = JSON.stringify(request.body);
      return deliver({
        label: `${channelLabel(config)} (${opsgenieOperation(message.event)})`,
        secrets: [apiKey],
        policy,
        attempt: (timeoutMs) =>
          httpAttempt({
            fetch: params.fetch,
            url: `${root}${request.path}`,
            init: { method: 'POST', headers: { authorization: `GenieKey ${apiKey}`, 'content-type': 'application/json', 'user-agent': 'warden' }, body },
            timeoutMs,
          }),
      });
    },
  };
}
