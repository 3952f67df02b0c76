/**
 * The config of notification channels (`responders.channels`): where warden tells people about an
 * incident. One entry per destination, discriminated by `kind`. Secrets (webhook urls, tokens,
 * routing keys, API keys, SMTP passwords, signing secrets) are never written inline: each is named
 * by an `...Env` (environment variable) or `...File` (a file, mode 0600) field and resolved at start-up by
 * `loadChannelSecrets` (responders/notify/secrets.ts).
 *
 * Part of `configSchema` as `responders.channels`; links in messages use `chains[].explorerUrl`.
 */
import { z } from 'zod';
import { notificationEvents } from '../../responders/notify/types.js';
import { templatePlaceholders } from '../../responders/notify/templates.js';
import { duration, httpUrl, identifier, positiveInt } from './schema-values.js';

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name like SLACK_WEBHOOK_URL');
const filePath = z.string().min(1, 'expected a file path');

/** `<name>Env` / `<name>File`: exactly one (or, when optional, at most one) must be set. */
function oneSource(name: string, required: boolean) {
  return (value: Record<string, unknown>) => {
    const count = Number(value[`${name}Env`] !== undefined) + Number(value[`${name}File`] !== undefined);
    return required ? count === 1 : count <= 1;
  };
}
function oneSourceMessage(name: string, what: string, required: boolean) {
  return { message: `set ${required ? 'exactly' : 'at most'} one of ${name}Env or ${name}File (${what} is a secret: never written inline)` };
}

/** The Block Kit / API limits a title override must also respect are checked when rendering; here: known placeholders only. */
const templateText = z.string().min(1, 'expected a non-empty template').refine(
  (text) => [...text.matchAll(/\{([A-Za-z]+)\}/g)].every((match) => (templatePlaceholders as readonly string[]).includes(match[1]!)),
  { message: `expected only the placeholders ${templatePlaceholders.map((name) => `{${name}}`).join(' ')}` },
);

const templateOverrides = z
  .partialRecord(
    z.enum(notificationEvents, { error: `expected an event: ${notificationEvents.join(', ')}` }),
    z
      .object({
        title: templateText.optional().meta({ description: 'One line; `backticks` mark commands.', examples: ['{SEVERITY} on {protocol}: {summary}'] }),
        nextSteps: z.array(templateText).min(1, 'expected at least one line').optional().meta({ description: 'Lines under "What you must do next".' }),
      })
      .strict(),
  )
  .optional()
  .meta({
    description: `Replace the default title or next steps of an event. Placeholders: ${templatePlaceholders.map((name) => `{${name}}`).join(' ')} ({actor} and {summary} are escaped like all chain data).`,
    examples: [{ 'incident.opened': { nextSteps: ['Join #war-room and acknowledge: `warden incidents ack {incident} --by <name>`'] } }],
  });

const common = {
  id: identifier.meta({ description: 'Id plan steps and roles refer to.', examples: ['oncall-slack'] }),
  timeout: duration.default(5).meta({ description: 'Seconds one request (or SMTP session) may take.', examples: ['5s'] }),
  retryFor: duration
    .default(30)
    .meta({ description: 'Seconds a notification is retried (429, 5xx, timeouts, network errors; Retry-After respected) before it is recorded as failed. Containment never waits for it.', examples: ['30s'] }),
  templates: templateOverrides,
};

const slack = z
  .object({
    kind: z.literal('slack').describe('Slack incoming webhook; Block Kit message.'),
    ...common,
    webhookUrlEnv: envName.optional().meta({ description: 'Environment variable holding the incoming-webhook url (https://hooks.slack.com/services/…).', examples: ['SLACK_WEBHOOK_URL'] }),
    webhookUrlFile: filePath.optional().meta({ description: 'File holding the incoming-webhook url.', examples: ['/run/secrets/slack-webhook-url'] }),
    mention: z
      .string()
      .regex(/^<(!here|!channel|@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+)>$/, 'expected <!here>, <!channel>, <@U…> or <!subteam^S…>')
      .optional()
      .meta({ description: 'Who is pinged at the start of each message (config only: chain data never mentions anyone).', examples: ['<!here>'] }),
  })
  .strict()
  .refine(oneSource('webhookUrl', true), oneSourceMessage('webhookUrl', 'the webhook url', true));

const discord = z
  .object({
    kind: z.literal('discord').describe('Discord webhook; message with one embed.'),
    ...common,
    webhookUrlEnv: envName.optional().meta({ description: 'Environment variable holding the webhook url (https://discord.com/api/webhooks/<id>/<token>).', examples: ['DISCORD_WEBHOOK_URL'] }),
    webhookUrlFile: filePath.optional().meta({ description: 'File holding the webhook url.', examples: ['/run/secrets/discord-webhook-url'] }),
    username: z.string().min(1).max(80, 'expected at most 80 characters').default('warden').meta({ description: 'Name the webhook posts as.', examples: ['warden'] }),
    mentionRoleIds: z
      .array(z.string().regex(/^\d{17,20}$/, 'expected a Discord role id (17-20 digits)'))
      .max(100, 'expected at most 100 roles')
      .default([])
      .meta({ description: 'Roles pinged by each message (only these: allowed_mentions lists them, everything else is off).', examples: [['123456789012345678']] }),
  })
  .strict()
  .refine(oneSource('webhookUrl', true), oneSourceMessage('webhookUrl', 'the webhook url', true));

const telegram = z
  .object({
    kind: z.literal('telegram').describe('Telegram Bot API sendMessage, parse_mode HTML.'),
    ...common,
    botTokenEnv: envName.optional().meta({ description: 'Environment variable holding the bot token (from @BotFather).', examples: ['TELEGRAM_BOT_TOKEN'] }),
    botTokenFile: filePath.optional().meta({ description: 'File holding the bot token.', examples: ['/run/secrets/telegram-bot-token'] }),
    chatId: z
      .union([z.number().int('expected a whole number'), z.string().regex(/^(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,})$/, 'expected a numeric chat id or @channelusername')], {
        error: 'expected a numeric chat id or @channelusername',
      })
      .meta({ description: 'Target chat: a numeric id (groups are negative) or @channelusername.', examples: [-1001234567890, '@protocol_alerts'] }),
    messageThreadId: positiveInt.optional().meta({ description: 'Topic of a forum supergroup to post in.', examples: [42] }),
    apiUrl: httpUrl.default('https://api.telegram.org').meta({ description: 'Bot API root (a local Bot API server, or a test stand-in).', examples: ['https://api.telegram.org'] }),
  })
  .strict()
  .refine(oneSource('botToken', true), oneSourceMessage('botToken', 'the bot token', true));

const pagerduty = z
  .object({
    kind: z.literal('pagerduty').describe('PagerDuty Events API v2: trigger, acknowledge and resolve with dedup_key = incident id.'),
    ...common,
    routingKeyEnv: envName.optional().meta({ description: 'Environment variable holding the integration (routing) key of an Events API v2 integration.', examples: ['PAGERDUTY_ROUTING_KEY'] }),
    routingKeyFile: filePath.optional().meta({ description: 'File holding the routing key.', examples: ['/run/secrets/pagerduty-routing-key'] }),
    eventsUrl: httpUrl
      .default('https://events.pagerduty.com/v2/enqueue')
      .meta({ description: 'Events API endpoint; EU accounts: https://events.eu.pagerduty.com/v2/enqueue.', examples: ['https://events.pagerduty.com/v2/enqueue'] }),
    source: z.string().min(1).max(255).default('warden').meta({ description: 'payload.source: where the problem is (this warden deployment).', examples: ['warden-mainnet'] }),
    group: z.string().min(1).max(255).optional().meta({ description: 'payload.group, e.g. the protocol family.', examples: ['lendco'] }),
  })
  .strict()
  .refine(oneSource('routingKey', true), oneSourceMessage('routingKey', 'the routing key', true));

const opsgenieResponder = z
  .object({
    type: z.enum(['team', 'user', 'escalation', 'schedule'], { error: 'expected team, user, escalation or schedule' }),
    name: z.string().min(1).optional().meta({ description: 'Team, escalation or schedule name.' }),
    username: z.string().min(1).optional().meta({ description: 'User (e-mail), for type user.' }),
    id: z.string().min(1).optional().meta({ description: 'Id instead of a name.' }),
  })
  .strict()
  .refine((r) => [r.name, r.username, r.id].filter((v) => v !== undefined).length === 1, { message: 'set exactly one of name, username or id' });

const opsgenie = z
  .object({
    kind: z.literal('opsgenie').describe('Opsgenie Alert API v2: create with alias = incident id, acknowledge and close by alias.'),
    ...common,
    apiKeyEnv: envName.optional().meta({ description: 'Environment variable holding the API integration key (sent as `Authorization: GenieKey …`).', examples: ['OPSGENIE_API_KEY'] }),
    apiKeyFile: filePath.optional().meta({ description: 'File holding the API key.', examples: ['/run/secrets/opsgenie-api-key'] }),
    region: z.enum(['us', 'eu'], { error: 'expected us or eu' }).default('us').meta({ description: 'us: https://api.opsgenie.com, eu: https://api.eu.opsgenie.com.', examples: ['eu'] }),
    apiUrl: httpUrl.optional().meta({ description: 'Overrides the region\'s API root (a test stand-in).', examples: ['http://127.0.0.1:8080'] }),
    responders: z.array(opsgenieResponder).max(50, 'expected at most 50 responders').default([]).meta({ description: 'Who the alert is routed to (else the integration\'s team).', examples: [[{ type: 'team', name: 'protocol-oncall' }]] }),
    tags: z.array(z.string().min(1).max(50, 'expected tags of at most 50 characters')).max(20, 'expected at most 20 tags').default(['warden']).meta({ description: 'Alert tags.', examples: [['warden', 'defi']] }),
  })
  .strict()
  .refine(oneSource('apiKey', true), oneSourceMessage('apiKey', 'the API key', true));

const emailAddress = z.string().regex(/^[^\s@<>]+@[^\s@<>]+$/, 'expected an e-mail address like oncall@example.com');

const email = z
  .object({
    kind: z.literal('email').describe('E-mail over SMTP (nodemailer), HTML and plain-text parts.'),
    ...common,
    smtp: z
      .object({
        host: z.string().min(1, 'expected a host name').meta({ description: 'SMTP server.', examples: ['smtp.example.com'] }),
        port: positiveInt.optional().meta({ description: 'Default: 587 (starttls), 465 (tls), 25 (none).', examples: [587] }),
        security: z
          .enum(['starttls', 'tls', 'none'], { error: 'expected starttls, tls or none' })
          .default('starttls')
          .meta({ description: 'starttls: upgrade required (port 587); tls: implicit TLS (port 465); none: plain (a local relay only).', examples: ['starttls'] }),
        user: z.string().min(1).optional().meta({ description: 'SMTP user name.', examples: ['warden@example.com'] }),
        passwordEnv: envName.optional().meta({ description: 'Environment variable holding the SMTP password.', examples: ['SMTP_PASSWORD'] }),
        passwordFile: filePath.optional().meta({ description: 'File holding the SMTP password.', examples: ['/run/secrets/smtp-password'] }),
      })
      .strict()
      .refine(oneSource('password', false), oneSourceMessage('password', 'the SMTP password', false))
      .refine((smtp) => (smtp.user === undefined) === (smtp.passwordEnv === undefined && smtp.passwordFile === undefined), {
        message: 'set user together with passwordEnv or passwordFile (or neither, for a relay without auth)',
      }),
    from: z.string().min(3).meta({ description: 'Sender, an address or "Name <address>".', examples: ['warden <warden@example.com>'] }),
    to: z.array(emailAddress).min(1, 'expected at least one recipient').meta({ description: 'Recipients.', examples: [['oncall@example.com']] }),
  })
  .strict();

const webhook = z
  .object({
    kind: z.literal('webhook').describe('Generic JSON POST, signed with HMAC-SHA256 (X-Warden-Timestamp, X-Warden-Signature).'),
    ...common,
    url: httpUrl.optional().meta({ description: 'Receiver url when it carries no secret (the body is signed); else use urlEnv or urlFile.', examples: ['https://ops.example.com/warden'] }),
    urlEnv: envName.optional().meta({ description: 'Environment variable holding the url.', examples: ['WARDEN_WEBHOOK_URL'] }),
    urlFile: filePath.optional().meta({ description: 'File holding the url.', examples: ['/run/secrets/warden-webhook-url'] }),
    secretEnv: envName.optional().meta({ description: 'Environment variable holding the signing secret (32+ random characters, shared with the receiver).', examples: ['WARDEN_WEBHOOK_SECRET'] }),
    secretFile: filePath.optional().meta({ description: 'File holding the signing secret.', examples: ['/run/secrets/warden-webhook-secret'] }),
  })
  .strict()
  .refine((w) => [w.url, w.urlEnv, w.urlFile].filter((v) => v !== undefined).length === 1, { message: 'set exactly one of url, urlEnv or urlFile' })
  .refine(oneSource('secret', true), oneSourceMessage('secret', 'the signing secret', true));

export const channelSchema = z.discriminatedUnion('kind', [slack, discord, telegram, pagerduty, opsgenie, email, webhook], {
  error: 'expected kind to be one of slack, discord, telegram, pagerduty, opsgenie, email, webhook',
});

export const channelsSchema = z
  .array(channelSchema)
  .default([])
  .superRefine((channels, ctx) => {
    const seen = new Set<string>();
    channels.forEach((channel, index) => {
      if (seen.has(channel.id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `expected a unique id; "${channel.id}" is used twice` });
      seen.add(channel.id);
    });
  })
  .describe('Where warden tells people: Slack, Discord, Telegram, PagerDuty, Opsgenie, e-mail, signed webhooks.');

export type ChannelConfig = z.output<typeof channelSchema>;
export type ChannelConfigOf<K extends ChannelConfig['kind']> = Extract<ChannelConfig, { kind: K }>;
export type SlackChannelConfig = ChannelConfigOf<'slack'>;
export type DiscordChannelConfig = ChannelConfigOf<'discord'>;
export type TelegramChannelConfig = ChannelConfigOf<'telegram'>;
export type PagerDutyChannelConfig = ChannelConfigOf<'pagerduty'>;
export type OpsgenieChannelConfig = ChannelConfigOf<'opsgenie'>;
export type EmailChannelConfig = ChannelConfigOf<'email'>;
export type WebhookChannelConfig = ChannelConfigOf<'webhook'>;
