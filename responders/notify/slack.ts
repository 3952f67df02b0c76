/**
 * Slack through an incoming webhook: one Block Kit message per event (header, facts as fields, a
 * section per part, a context footer) with a `text` fallback for notifications.
 *
 * Payload, as Slack documents it: `{ text, blocks }` POSTed as JSON; the webhook answers 200 `ok`,
 * or 4xx with a reason such as `invalid_blocks`, `no_service`, `channel_is_archived`; 429 with
 * Retry-After. Limits honoured: 50 blocks, header plain_text 150 characters, section text 3000, 10
 * fields of 2000, 10 context elements.
 *
 * @example
 * const slack = createSlackChannel({ config, secrets: { webhookUrl } });
 * const result = await slack.send(message); // { ok: true, attempts: 1, status: 200 }
 */
import type { SlackChannelConfig } from '../../src/config/schema-channels.js';
import { channelLabel, deliveryPolicy, requireSecret, type CreateChannelParameters } from './channel-options.js';
import { deliver, httpAttempt } from './delivery.js';
import { escapeSlackMrkdwn, escapeSlackPlainText, neutralize, truncate } from './escape.js';
import { fitSections, linePlainText, renderNotification, type Line, type RenderedSection, type TemplateOverrides } from './templates.js';
import type { NotificationChannel, NotificationMessage } from './types.js';

export const slackLimits = { blocks: 50, headerText: 150, sectionText: 3000, fields: 10, fieldText: 2000, contextElements: 10 };

type TextObject = { type: 'mrkdwn'; text: string; verbatim: true } | { type: 'plain_text'; text: string; emoji?: boolean };
export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: boolean } }
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'divider' };

export interface SlackPayload {
  /** The notification and accessibility fallback. */
  text: string;
  blocks: SlackBlock[];
}

const mrkdwn = (text: string): TextObject => ({ type: 'mrkdwn', text, verbatim: true });

/** One line in mrkdwn: untrusted text neutralized and formatting-proofed, all text &<>-escaped. */
export function slackLine(line: Line): string {
  return line
    .map((segment) => {
      const text = segment.untrusted ? escapeSlackMrkdwn(neutralize(segment.text), { formatting: true }) : escapeSlackMrkdwn(segment.text);
      if (segment.href) return `<${slackUrl(segment.href)}|${text}>`;
      if (segment.code && !segment.untrusted) return `\`${text.replace(/`/g, '\u02cb')}\``;
      if (segment.bold && !segment.untrusted) return `*${text}*`;
      return text;
    })
    .join('');
}

/** A url inside <url|text>: &<> escaped like all text, and | (the separator) percent-encoded. */
function slackUrl(url: string): string {
  return escapeSlackMrkdwn(url).replace(/\|/g, '%7C');
}

function sectionText(section: RenderedSection): string {
  return fitSections([section], ([fitted]) => `*${escapeSlackMrkdwn(fitted!.heading)}*\n${fitted!.lines.map(slackLine).join('\n')}`, slackLimits.sectionText);
}

export function slackPayload(message: NotificationMessage, options: { mention?: string; templates?: TemplateOverrides } = {}): SlackPayload {
  const rendered = renderNotification(message, options.templates);
  const title = truncate(escapeSlackPlainText(linePlainText(rendered.title)), slackLimits.headerText);
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: title, emoji: true } }];
  // The mention is config (validated <!here> etc.), the only unescaped markup in the message.
  if (options.mention) blocks.push({ type: 'section', text: mrkdwn(options.mention) });
  blocks.push({
    type: 'section',
    fields: rendered.facts.slice(0, slackLimits.fields).map((fact) => mrkdwn(truncate(`*${escapeSlackMrkdwn(fact.label)}*\n${slackLine(fact.value)}`, slackLimits.fieldText))),
  });
  for (const section of rendered.sections) blocks.push({ type: 'section', text: mrkdwn(sectionText(section)) });
  blocks.push({ type: 'context', elements: [mrkdwn(escapeSlackMrkdwn(rendered.footer))] });
  const fallback = `${options.mention ? `${options.mention} ` : ''}${slackLine(rendered.title)}`;
  return { text: fallback, blocks: blocks.slice(0, slackLimits.blocks) };
}

export function createSlackChannel(params: CreateChannelParameters<SlackChannelConfig>): NotificationChannel {
  const { config } = params;
  const webhookUrl = requireSecret({ config, secrets: params.secrets, name: 'webhookUrl' });
  const policy = deliveryPolicy(config, params.policy);
  return {
    id: config.id,
    kind: 'slack',
    send: (message) => {
      const body = JSON.stringify(slackPayload(message, { mention: config.mention, templates: config.templates }));
      return deliver({
        label: channelLabel(config),
        secrets: [webhookUrl],
        policy,
        attempt: (timeoutMs) =>
          httpAttempt({
            fetch: params.fetch,
            url: webhookUrl,
            init: { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'warden' }, body },
            timeoutMs,
            // Slack answers errors as plain text: `invalid_blocks`, `no_service`, ...
            describeBody: (text) => text.trim().slice(0, 100) || undefined,
          }),
      });
    },
  };
}
