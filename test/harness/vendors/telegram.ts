/**
 * A stand-in for the Telegram Bot API's sendMessage (POST <api>/bot<token>/sendMessage, JSON).
 *
 * Validates as the Bot API does and answers `{ ok: true, result: Message }` or `{ ok: false,
 * error_code, description }`: 401 "Unauthorized" for a wrong token; 400 for a missing chat_id, an
 * unknown parse_mode, HTML that Telegram cannot parse ("can't parse entities: Unsupported start tag
 * …", unclosed tags), or a text that is empty or over 4096 characters after entities parsing.
 * The HTML parser knows exactly Telegram's tags (b strong i em u ins s strike del span.tg-spoiler
 * tg-spoiler a code pre blockquote tg-emoji) and entities (&lt; &gt; &amp; &quot; and numeric).
 */
import { check, problemsOf, startVendorServer, type VendorServer } from './server.js';

export interface TelegramStandIn extends VendorServer {
  /** The apiUrl to configure (the stand-in's origin). */
  apiUrl: string;
  botToken: string;
  /** Accepted messages: the request and its text as a client shows it, with its links. */
  messages: { payload: Record<string, unknown>; visibleText: string; links: string[]; tags: string[] }[];
}

const supportedTags = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'code', 'pre', 'blockquote', 'tg-emoji']);
const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

export interface ParsedTelegramHtml {
  text: string;
  links: string[];
  tags: string[];
  error?: string;
}

export function parseTelegramHtml(html: string): ParsedTelegramHtml {
  const out: ParsedTelegramHtml = { text: '', links: [], tags: [] };
  const stack: string[] = [];
  const decode = (text: string) => text.replace(/&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);/gi, (entity, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return named[name.toLowerCase()] ?? entity;
  });
  let index = 0;
  while (index < html.length) {
    const char = html[index]!;
    if (char === '<') {
      const tag = /^<(\/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[A-Za-z-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*>/.exec(html.slice(index));
      if (!tag) return { ...out, error: `can't parse entities: Unexpected character "<" at byte offset ${Buffer.byteLength(html.slice(0, index))}` };
      const [whole, closing, rawName, attributes = ''] = tag;
      const name = rawName!.toLowerCase();
      if (!supportedTags.has(name)) return { ...out, error: `can't parse entities: Unsupported ${closing ? 'end' : 'start'} tag "${name}" at byte offset ${Buffer.byteLength(html.slice(0, index))}` };
      if (closing) {
        if (stack.pop() !== name) return { ...out, error: `can't parse entities: Unmatched end tag at byte offset ${Buffer.byteLength(html.slice(0, index))}, expected "</${stack[stack.length - 1] ?? ''}>", found "</${name}>"` };
      } else {
        stack.push(name);
        out.tags.push(name);
        if (name === 'a') {
          const href = /href\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(attributes);
          out.links.push(decode(href?.[1] ?? href?.[2] ?? ''));
        }
      }
      index += whole.length;
    } else {
      const next = html.indexOf('<', index);
      const end = next === -1 ? html.length : next;
      out.text += decode(html.slice(index, end));
      index = end;
    }
  }
  if (stack.length > 0) return { ...out, error: `can't parse entities: Can't find end tag corresponding to start tag "${stack[stack.length - 1]}"` };
  return out;
}

export async function startTelegramStandIn(botToken = '7012345678:AAHsEcReTtElEgRaMbOtToKeN0123456789'): Promise<TelegramStandIn> {
  const messages: TelegramStandIn['messages'] = [];
  let messageId = 1;
  const fail = (code: number, description: string) => ({ status: code, body: { ok: false, error_code: code, description }, problems: [description] });
  const server = await startVendorServer((request) => {
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(request.path);
    if (!match) return fail(404, 'Not Found');
    if (match[1] !== botToken) return fail(401, 'Unauthorized');
    if (match[2]!.toLowerCase() !== 'sendmessage') return fail(404, 'Not Found: method not found');
    const payload = request.json;
    if (!check.object(payload)) return fail(400, 'Bad Request: invalid JSON body');
    if (payload.chat_id === undefined || payload.chat_id === '') return fail(400, 'Bad Request: chat_id is empty');
    if (typeof payload.chat_id !== 'number' && typeof payload.chat_id !== 'string') return fail(400, 'Bad Request: chat_id must be an integer or a string');
    const shape = problemsOf(
      check.oneOf(payload.parse_mode, 'parse_mode', ['HTML', 'MarkdownV2', 'Markdown'], false),
      ...check.unknownKeys(payload, 'body', ['chat_id', 'text', 'parse_mode', 'link_preview_options', 'message_thread_id', 'disable_notification', 'protect_content', 'entities', 'reply_parameters', 'reply_markup', 'business_connection_id', 'message_effect_id', 'allow_paid_broadcast']),
    );
    if (payload.link_preview_options !== undefined && !check.object(payload.link_preview_options)) shape.push('link_preview_options must be an object');
    if (shape.length > 0) return fail(400, `Bad Request: ${shape.join('; ')}`);
    if (typeof payload.text !== 'string' || payload.text.trim() === '') return fail(400, 'Bad Request: message text is empty');
    const parsed = payload.parse_mode === 'HTML' ? parseTelegramHtml(payload.text) : { text: payload.text, links: [], tags: [] };
    if ('error' in parsed && parsed.error) return fail(400, `Bad Request: ${parsed.error}`);
    if (parsed.text.length > 4096) return fail(400, 'Bad Request: message is too long');
    messages.push({ payload, visibleText: parsed.text, links: parsed.links, tags: parsed.tags });
    return { status: 200, body: { ok: true, result: { message_id: messageId++, date: Math.floor(Date.now() / 1000), chat: { id: payload.chat_id }, text: parsed.text } } };
  });
  return Object.assign(server, { apiUrl: server.origin, botToken, messages });
}
