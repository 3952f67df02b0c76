/**
 * Discord through a webhook: a one-line `content` (the title, plus configured role pings) and one
 * embed (facts as inline fields, the sections as its description), `allowed_mentions` restricted to
 * the configured roles so nothing in the message — chain data included — can ping anyone else.
 *
 * Payload, as Discord documents Execute Webhook: POST <webhook url>?wait=true with JSON
 * `{ username, content, embeds, allowed_mentions }`; 200 with the message (wait=true), 4xx with
 * `{ message, code }`, 429 with Retry-After and `{ retry_after }`. Limits honoured: content 2000,
 * embed title 256, description 4096, 25 fields (name 256, value 1024), footer 2048, 6000 per embed.
 */
import type { DiscordChannelConfig } from '../../src/config/schema-channels.js';
import { channelLabel, deliveryPolicy, requireSecret, type CreateChannelParameters } from './channel-options.js';
import { deliver, httpAttempt } from './delivery.js';
import { escapeDiscordMarkdown, neutralize, truncate } from './escape.js';
import { fitSections, linePlainText, renderNotification, type Line, type TemplateOverrides } from './templates.js';
import type { NotificationChannel, NotificationMessage } from './types.js';

export const discordLimits = { content: 2000, title: 256, description: 4096, fields: 25, fieldName: 256, fieldValue: 1024, footer: 2048, embedTotal: 6000 };

export interface DiscordEmbed {
  title: string;
  description: string;
  color: number;
  fields: { name: string; value: string; inline: boolean }[];
  footer: { text: string };
  timestamp: string;
}

export interface DiscordPayload {
  username: string;
  content: string;
  embeds: DiscordEmbed[];
  allowed_mentions: { parse: []; roles?: string[] };
}

const colors = { critical: 0xd00000, high: 0xf06000, medium: 0xf0b000, low: 0x3070f0, info: 0x808080, good: 0x2ea043 };

/** One line in Discord markdown: every text backslash-escaped, untrusted text also neutralized. */
export function discordLine(line: Line): string {
  return line
    .map((segment) => {
      const raw = segment.untrusted ? neutralize(segment.text) : segment.text;
      if (segment.href) return `[${escapeDiscordMarkdown(raw)}](${discordUrl(segment.href)})`;
      // Inside code nothing is parsed (and a backslash would show): only the backtick must go.
      if (segment.code && !segment.untrusted) return `\`${raw.replace(/`/g, '\u02cb')}\``;
      if (segment.bold && !segment.untrusted) return `**${escapeDiscordMarkdown(raw)}**`;
      return escapeDiscordMarkdown(raw);
    })
    .join('');
}

/** A url in (…): characters that would end or break the link target are percent-encoded. */
function discordUrl(url: string): string {
  return url.replace(/[()<>\s]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export function discordPayload(message: NotificationMessage, options: { username?: string; mentionRoleIds?: readonly string[]; templates?: TemplateOverrides } = {}): DiscordPayload {
  const rendered = renderNotification(message, options.templates);
  const roles = options.mentionRoleIds ?? [];
  const pings = roles.map((id) => `<@&${id}>`).join(' ');
  const title = truncate(escapeDiscordMarkdown(linePlainText(rendered.title)), discordLimits.title);
  const fields = rendered.facts.slice(0, discordLimits.fields).map((fact) => ({
    name: truncate(fact.label, discordLimits.fieldName),
    value: truncate(discordLine(fact.value), discordLimits.fieldValue),
    inline: true,
  }));
  const footer = truncate(rendered.footer, discordLimits.footer);
  const used = title.length + footer.length + fields.reduce((sum, field) => sum + field.name.length + field.value.length, 0);
  const description = fitSections(
    rendered.sections,
    (sections) => sections.map((section) => `**${escapeDiscordMarkdown(section.heading)}**\n${section.lines.map(discordLine).join('\n')}`).join('\n\n'),
    Math.min(discordLimits.description, discordLimits.embedTotal - used),
  );
  const good = message.event === 'incident.contained' || message.event === 'incident.resolved';
  return {
    username: options.username ?? 'warden',
    content: truncate(`${pings ? `${pings} ` : ''}${discordLine(rendered.title)}`, discordLimits.content),
    embeds: [
      {
        title,
        description,
        color: good ? colors.good : colors[message.severity],
        fields,
        footer: { text: footer },
        timestamp: new Date(message.at).toISOString(),
      },
    ],
    // parse: [] switches off @everyone, @here, user and role pings from the text; only listed roles ping.
    allowed_mentions: roles.length > 0 ? { parse: [], roles: [...roles] } : { parse: [] },
  };
}

export function createDiscordChannel(params: CreateChannelParameters<DiscordChannelConfig>): NotificationChannel {
  const { config } = params;
  const webhookUrl = requireSecret({ config, secrets: params.secrets, name: 'webhookUrl' });
  const url = new URL(webhookUrl);
  // wait=true: Discord answers once the message is stored, so "sent" means posted.
  url.searchParams.set('wait', 'true');
  const policy = deliveryPolicy(config, params.policy);
  return {
    id: config.id,
    kind: 'discord',
    send: (message) => {
      const body = JSON.stringify(discordPayload(message, { username: config.username, mentionRoleIds: config.mentionRoleIds, templates: config.templates }));
      return deliver({
        label: channelLabel(config),
        secrets: [webhookUrl, url.toString(), url.pathname],
        policy,
        attempt: (timeoutMs) =>
          httpAttempt({
            fetch: params.fetch,
            url: url.toString(),
            init: { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'warden' }, body },
            timeoutMs,
            retryAfterFromBody: (text) => {
              try {
                const seconds = (JSON.parse(text) as { retry_after?: unknown }).retry_after;
                return typeof seconds === 'number' ? Math.round(seconds * 1000) : undefined;
              } catch {
                return undefined;
              }
            },
          }),
      });
    },
  };
}
