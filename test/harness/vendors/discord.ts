/**
 * A stand-in for a Discord webhook (POST https://discord.com/api/webhooks/<id>/<token>?wait=true).
 *
 * Validates what Discord documents for Execute Webhook and answers as Discord does: 200 with the
 * message (wait=true) or 204; 400 `{ message: "Invalid Form Body", code: 50035, errors }`; 404
 * `{ message: "Unknown Webhook", code: 10015 }`. Rules: one of content/embeds; content ≤2000;
 * username 1-80; ≤10 embeds; embed title ≤256, description ≤4096, ≤25 fields (name 1-256, value
 * 1-1024), footer.text ≤2048, author.name ≤256, color 0-0xFFFFFF, timestamp ISO 8601, 6000 characters
 * over all embeds; allowed_mentions.parse of roles/users/everyone, not both `parse: [roles]` and `roles`.
 *
 * It also records who the message would ping (content only; embeds never ping), honouring
 * allowed_mentions (absent means everything is parsed), and the masked links `[text](url)`.
 */
import { check, problemsOf, startVendorServer, type VendorServer } from './server.js';

export interface DiscordStandIn extends VendorServer {
  webhookUrl: string;
  messages: { payload: Record<string, unknown>; pings: string[]; links: { text: string; url: string }[] }[];
}

export function validateDiscordPayload(payload: unknown): string[] {
  if (!check.object(payload)) return ['body is not a JSON object'];
  const problems = problemsOf(
    ...check.unknownKeys(payload, 'body', ['content', 'username', 'avatar_url', 'tts', 'embeds', 'allowed_mentions', 'flags', 'thread_name', 'components', 'applied_tags', 'poll']),
    check.string(payload.content, 'content', { max: 2000 }),
    check.string(payload.username, 'username', { min: 1, max: 80 }),
  );
  if (!payload.content && !(Array.isArray(payload.embeds) && payload.embeds.length > 0)) problems.push('Cannot send an empty message');
  if (payload.embeds !== undefined) {
    if (!Array.isArray(payload.embeds) || payload.embeds.length > 10) problems.push('embeds: an array of at most 10');
    else {
      let total = 0;
      payload.embeds.forEach((embed, index) => {
        const result = validateEmbed(embed, `embeds[${index}]`);
        problems.push(...result.problems);
        total += result.characters;
      });
      if (total > 6000) problems.push(`embeds: at most 6000 characters in total (got ${total})`);
    }
  }
  const mentions = payload.allowed_mentions;
  if (mentions !== undefined) {
    if (!check.object(mentions)) problems.push('allowed_mentions must be an object');
    else {
      const parse = mentions.parse;
      if (parse !== undefined && (!Array.isArray(parse) || parse.some((type) => !['roles', 'users', 'everyone'].includes(type)))) problems.push('allowed_mentions.parse: roles, users or everyone');
      for (const kind of ['roles', 'users'] as const) {
        const list = mentions[kind];
        if (list === undefined) continue;
        if (!Array.isArray(list) || list.length > 100 || list.some((id) => typeof id !== 'string' || !/^\d{17,20}$/.test(id))) problems.push(`allowed_mentions.${kind}: at most 100 snowflakes`);
        if (Array.isArray(parse) && parse.includes(kind) && Array.isArray(list) && list.length > 0) problems.push(`allowed_mentions: parse ${kind} and ${kind} are mutually exclusive`);
      }
    }
  }
  return problems;
}

function validateEmbed(embed: unknown, path: string): { problems: string[]; characters: number } {
  if (!check.object(embed)) return { problems: [`${path} must be an object`], characters: 0 };
  const problems = problemsOf(
    ...check.unknownKeys(embed, path, ['title', 'type', 'description', 'url', 'timestamp', 'color', 'footer', 'image', 'thumbnail', 'author', 'fields']),
    check.string(embed.title, `${path}.title`, { max: 256 }),
    check.string(embed.description, `${path}.description`, { max: 4096 }),
  );
  const length = (value: unknown) => (typeof value === 'string' ? [...value].length : 0);
  let characters = length(embed.title) + length(embed.description);
  if (embed.color !== undefined && !(Number.isInteger(embed.color) && (embed.color as number) >= 0 && (embed.color as number) <= 0xffffff)) problems.push(`${path}.color must be an integer 0-16777215`);
  if (embed.timestamp !== undefined && (typeof embed.timestamp !== 'string' || Number.isNaN(Date.parse(embed.timestamp)))) problems.push(`${path}.timestamp must be ISO 8601`);
  if (embed.footer !== undefined) {
    if (!check.object(embed.footer)) problems.push(`${path}.footer must be an object`);
    else {
      problems.push(...problemsOf(check.string(embed.footer.text, `${path}.footer.text`, { min: 1, max: 2048, required: true })));
      characters += length(embed.footer.text);
    }
  }
  if (check.object(embed.author)) {
    problems.push(...problemsOf(check.string(embed.author.name, `${path}.author.name`, { min: 1, max: 256, required: true })));
    characters += length(embed.author.name);
  }
  if (embed.fields !== undefined) {
    if (!Array.isArray(embed.fields) || embed.fields.length > 25) problems.push(`${path}.fields: an array of at most 25`);
    else {
      embed.fields.forEach((field, index) => {
        if (!check.object(field)) return void problems.push(`${path}.fields[${index}] must be an object`);
        problems.push(
          ...problemsOf(
            check.string(field.name, `${path}.fields[${index}].name`, { min: 1, max: 256, required: true }),
            check.string(field.value, `${path}.fields[${index}].value`, { min: 1, max: 1024, required: true }),
          ),
        );
        characters += length(field.name) + length(field.value);
      });
    }
  }
  return { problems, characters };
}

/** Who the content would ping, as Discord decides with allowed_mentions (escaped `\<@…>` is text). */
export function discordPings(payload: Record<string, unknown>): string[] {
  const content = typeof payload.content === 'string' ? payload.content : '';
  const allowed = check.object(payload.allowed_mentions) ? payload.allowed_mentions : undefined;
  const parse = allowed ? ((Array.isArray(allowed.parse) ? allowed.parse : []) as string[]) : ['everyone', 'roles', 'users'];
  const listed = (kind: 'roles' | 'users') => (allowed && Array.isArray(allowed[kind]) ? (allowed[kind] as string[]) : []);
  const pings: string[] = [];
  if (parse.includes('everyone')) for (const [mention] of content.matchAll(/(?<!\\)@(everyone|here)\b/g)) pings.push(mention);
  for (const [, id] of content.matchAll(/(?<!\\)<@&(\d+)>/g)) if (parse.includes('roles') || listed('roles').includes(id!)) pings.push(`role:${id}`);
  for (const [, id] of content.matchAll(/(?<!\\)<@!?(\d+)>/g)) if (parse.includes('users') || listed('users').includes(id!)) pings.push(`user:${id}`);
  return pings;
}

/** Masked links `[text](url)` whose `[` is not escaped, in content, descriptions and field values. */
export function discordLinks(payload: Record<string, unknown>): { text: string; url: string }[] {
  const texts: string[] = typeof payload.content === 'string' ? [payload.content] : [];
  for (const embed of Array.isArray(payload.embeds) ? payload.embeds : []) {
    if (!check.object(embed)) continue;
    if (typeof embed.description === 'string') texts.push(embed.description);
    for (const field of Array.isArray(embed.fields) ? embed.fields : []) if (check.object(field) && typeof field.value === 'string') texts.push(field.value);
  }
  return texts.flatMap((text) => [...text.matchAll(/(?<!\\)\[((?:\\.|[^\]\\])*)\]\(([^)\s]+)\)/g)].map(([, label, url]) => ({ text: label!, url: url! })));
}

export async function startDiscordStandIn(webhookPath = '/api/webhooks/123456789012345678/dIsCoRdWeBhOoKtOkEn0123456789abcdef'): Promise<DiscordStandIn> {
  const messages: DiscordStandIn['messages'] = [];
  let nextId = 1_000_000_000_000_000_000n;
  const server = await startVendorServer((request) => {
    if (request.method !== 'POST' || request.path !== webhookPath) return { status: 404, body: { message: 'Unknown Webhook', code: 10015 }, problems: ['unknown webhook'] };
    const problems = validateDiscordPayload(request.json);
    if (problems.length > 0) return { status: 400, body: { message: 'Invalid Form Body', code: 50035, errors: problems }, problems };
    const payload = request.json as Record<string, unknown>;
    messages.push({ payload, pings: discordPings(payload), links: discordLinks(payload) });
    if (request.query.wait !== 'true') return { status: 204 };
    return { status: 200, body: { id: String(nextId++), type: 0, channel_id: '123456789012345679', content: payload.content ?? '', embeds: payload.embeds ?? [] } };
  });
  return Object.assign(server, { webhookUrl: `${server.origin}${webhookPath}`, messages });
}
