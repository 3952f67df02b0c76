/**
 * Telegram through the Bot API: sendMessage with parse_mode HTML (chosen over MarkdownV2: its
 * escaping is the plain HTML one, &, < and >, and a mistake fails loudly instead of mis-formatting).
 *
 * Payload, as the Bot API documents it: POST <api>/bot<token>/sendMessage with JSON `{ chat_id, text,
 * parse_mode: "HTML", link_preview_options: { is_disabled: true }, message_thread_id? }`; answers
 * `{ ok: true, result: Message }`, or `{ ok: false, error_code, description, parameters?: { retry_after } }`.
 * `text` is 1-4096 characters after entities parsing: sections are trimmed by whole lines to fit.
 */
import type { TelegramChannelConfig } from '../../src/config/schema-channels.js';
import { channelLabel, deliveryPolicy, requireSecret, type CreateChannelParameters } from './channel-options.js';
import { deliver, httpAttempt } from './delivery.js';
import { escapeHtml, neutralize } from './escape.js';
import { fitSections, renderNotification, type Line, type TemplateOverrides } from './templates.js';
import type { NotificationChannel, NotificationMessage } from './types.js';

export const telegramLimits = { text: 4096 };

export interface TelegramSendMessage {
  chat_id: number | string;
  text: string;
  parse_mode: 'HTML';
  link_preview_options: { is_disabled: true };
  message_thread_id?: number;
}

/** One line in HTML (Telegram's subset: b, code, a — also what e-mail uses): every text escaped; tags only from here. */
export function htmlLine(line: Line): string {
  return line
    .map((segment) => {
      const text = escapeHtml(segment.untrusted ? neutralize(segment.text) : segment.text);
      if (segment.href) return `<a href="${escapeHtml(segment.href)}">${text}</a>`;
      if (segment.code && !segment.untrusted) return `<code>${text}</code>`;
      if (segment.bold && !segment.untrusted) return `<b>${text}</b>`;
      return text;
    })
    .join('');
}

/** Length as Telegram counts it, after entities parsing (tags removed, an entity is one character), in UTF-16 units. */
export function telegramVisibleLength(html: string): number {
  return html.replace(/<[^>]*>/g, '').replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, '_').length;
}

export function telegramText(message: NotificationMessage, templates?: TemplateOverrides): string {
  const rendered = renderNotification(message, templates);
  const head = [
    `<b>${htmlLine(rendered.title)}</b>`,
    rendered.facts.map((fact) => `${escapeHtml(fact.label)}: ${htmlLine(fact.value)}`).join('\n'),
  ].join('\n');
  const footer = `<i>${escapeHtml(rendered.footer)}</i>`;
  const budget = telegramLimits.text - telegramVisibleLength(head) - telegramVisibleLength(footer) - 4;
  const body = fitSections(
    rendered.sections,
    (sections) => sections.map((section) => `<b>${escapeHtml(section.heading)}</b>\n${section.lines.map((line) => `• ${htmlLine(line)}`).join('\n')}`).join('\n\n'),
    budget,
    telegramVisibleLength,
  );
  return `${head}\n\n${body}\n\n${footer}`;
}

export function createTelegramChannel(params: CreateChannelParameters<TelegramChannelConfig>): NotificationChannel {
  const { config } = params;
  const botToken = requireSecret({ config, secrets: params.secrets, name: 'botToken' });
  const url = `${config.apiUrl.replace(/\/+$/, '')}/bot${botToken}/sendMessage`;
  const policy = deliveryPolicy(config, params.policy);
  return {
    id: config.id,
    kind: 'telegram',
    send: (message) => {
      const payload: TelegramSendMessage = {
        chat_id: config.chatId,
        text: telegramText(message, config.templates),
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        ...(config.messageThreadId !== undefined ? { message_thread_id: config.messageThreadId } : {}),
      };
      return deliver({
        label: channelLabel(config),
        secrets: [botToken, url],
        policy,
        attempt: (timeoutMs) =>
          httpAttempt({
            fetch: params.fetch,
            url,
            init: { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'warden' }, body: JSON.stringify(payload) },
            timeoutMs,
            accept: (status, body) => status === 200 && isOk(body),
            retryAfterFromBody: (body) => {
              try {
                const seconds = (JSON.parse(body) as { parameters?: { retry_after?: unknown } }).parameters?.retry_after;
                return typeof seconds === 'number' ? seconds * 1000 : undefined;
              } catch {
                return undefined;
              }
            },
          }),
      });
    },
  };
}

function isOk(body: string): boolean {
  try {
    return (JSON.parse(body) as { ok?: unknown }).ok === true;
  } catch {
    return false;
  }
}
