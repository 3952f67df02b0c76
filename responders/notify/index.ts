/**
 * Notification channels: build one from its config entry and resolved secrets.
 *
 * @example
 * const secrets = await loadChannelSecrets({ channels: configs });
 * const channels = createChannels({ configs, secrets });
 * const result = await channels.get('oncall-slack')!.send(message); // never throws
 */
import type { ChannelConfig } from '../../src/config/schema-channels.js';
import type { CreateChannelParameters } from './channel-options.js';
import { createDiscordChannel } from './discord.js';
import { createEmailChannel } from './email.js';
import { createOpsgenieChannel } from './opsgenie.js';
import { createPagerDutyChannel } from './pagerduty.js';
import type { ChannelSecrets } from './secrets.js';
import { createSlackChannel } from './slack.js';
import { createTelegramChannel } from './telegram.js';
import type { NotificationChannel } from './types.js';
import { createWebhookChannel } from './webhook.js';

export type { CreateChannelParameters } from './channel-options.js';
export type { DeliveryPolicy } from './delivery.js';
export { messageFromIncident, type MessageFromIncidentParameters } from './message.js';
export { ChannelSecretError, loadChannelSecrets, type ChannelSecrets } from './secrets.js';
export { defaultTemplates, renderNotification, renderPlainText, type TemplateOverrides } from './templates.js';
export * from './types.js';
export { verifyWardenSignature, signWardenWebhook, wardenWebhookHeaders } from './webhook-signature.js';

/** @throws Error when a secret the channel needs is missing (a start-up error, not a send error) */
export function createChannel(params: CreateChannelParameters): NotificationChannel {
  const { config } = params;
  switch (config.kind) {
    case 'slack':
      return createSlackChannel({ ...params, config });
    case 'discord':
      return createDiscordChannel({ ...params, config });
    case 'telegram':
      return createTelegramChannel({ ...params, config });
    case 'pagerduty':
      return createPagerDutyChannel({ ...params, config });
    case 'opsgenie':
      return createOpsgenieChannel({ ...params, config });
    case 'email':
      return createEmailChannel({ ...params, config });
    case 'webhook':
      return createWebhookChannel({ ...params, config });
  }
}

/** Every channel by id. */
export function createChannels(params: { configs: readonly ChannelConfig[]; secrets: ReadonlyMap<string, ChannelSecrets>; fetch?: typeof fetch }): Map<string, NotificationChannel> {
  return new Map(params.configs.map((config) => [config.id, createChannel({ config, secrets: params.secrets.get(config.id) ?? {}, fetch: params.fetch })]));
}
