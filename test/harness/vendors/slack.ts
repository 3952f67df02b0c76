/**
 * A stand-in for a Slack incoming webhook (POST https://hooks.slack.com/services/T…/B…/<secret>).
 *
 * It validates what Slack documents for Block Kit messages and answers as Slack does: 200 `ok`;
 * 400 `invalid_payload` (not JSON), `no_text` (neither text nor blocks), `invalid_blocks` (a block
 * breaks a rule: 50 blocks, header plain_text ≤150, section text ≤3000, ≤10 fields of ≤2000, context
 * ≤10 elements, text objects 1-3000 characters, `emoji` only on plain_text, `verbatim` only on mrkdwn);
 * 404 `no_service` for an unknown webhook path.
 *
 * For each accepted message it also records what Slack would parse in its mrkdwn — the mentions
 * (`<!channel>`, `<!here>`, `<!everyone>`, `<@U…>`, `<!subteam^…>`) and the links (`<url|text>`) —
 * so tests can assert that chain data produced none.
 */
import { check, problemsOf, startVendorServer, type VendorServer } from './server.js';

export interface SlackParsed {
  mentions: string[];
  links: { url: string; text: string }[];
}

export interface SlackStandIn extends VendorServer {
  /** The webhook url, secret path included. */
  webhookUrl: string;
  /** Accepted payloads with what Slack would parse in them. */
  messages: { payload: Record<string, unknown>; parsed: SlackParsed; mrkdwn: string[] }[];
}

const blockLimit = 50;

export function validateSlackPayload(payload: unknown): { error?: 'invalid_payload' | 'no_text' | 'invalid_blocks'; problems: string[] } {
  if (!check.object(payload)) return { error: 'invalid_payload', problems: ['body is not a JSON object'] };
  if (payload.text === undefined && payload.blocks === undefined) return { error: 'no_text', problems: ['neither text nor blocks'] };
  const problems = problemsOf(check.string(payload.text, 'text', { min: 1, max: 40_000 }));
  if (payload.blocks !== undefined) {
    if (!Array.isArray(payload.blocks)) problems.push('blocks must be an array');
    else {
      if (payload.blocks.length > blockLimit) problems.push(`blocks: at most ${blockLimit} (got ${payload.blocks.length})`);
      payload.blocks.forEach((block, index) => problems.push(...validateBlock(block, `blocks[${index}]`)));
    }
  }
  return problems.length > 0 ? { error: payload.blocks !== undefined ? 'invalid_blocks' : 'invalid_payload', problems } : { problems };
}

function validateBlock(block: unknown, path: string): string[] {
  if (!check.object(block)) return [`${path} must be an object`];
  const problems = problemsOf(check.string(block.block_id, `${path}.block_id`, { max: 255 }));
  switch (block.type) {
    case 'header':
      problems.push(...check.unknownKeys(block, path, ['type', 'text', 'block_id']));
      if (!check.object(block.text) || block.text.type !== 'plain_text') problems.push(`${path}.text must be a plain_text object`);
      else problems.push(...validateText(block.text, `${path}.text`, 150));
      break;
    case 'section':
      problems.push(...check.unknownKeys(block, path, ['type', 'text', 'fields', 'accessory', 'block_id', 'expand']));
      if (block.text === undefined && block.fields === undefined) problems.push(`${path} needs text or fields`);
      if (block.text !== undefined) problems.push(...validateText(block.text, `${path}.text`, 3000));
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields)) problems.push(`${path}.fields must be an array`);
        else {
          if (block.fields.length > 10) problems.push(`${path}.fields: at most 10 (got ${block.fields.length})`);
          block.fields.forEach((field, index) => problems.push(...validateText(field, `${path}.fields[${index}]`, 2000)));
        }
      }
      break;
    case 'context':
      problems.push(...check.unknownKeys(block, path, ['type', 'elements', 'block_id']));
      if (!Array.isArray(block.elements) || block.elements.length < 1 || block.elements.length > 10) problems.push(`${path}.elements: 1 to 10 elements`);
      else block.elements.forEach((element, index) => problems.push(...validateText(element, `${path}.elements[${index}]`, 3000)));
      break;
    case 'divider':
      problems.push(...check.unknownKeys(block, path, ['type', 'block_id']));
      break;
    default:
      problems.push(`${path}.type ${JSON.stringify(block.type)} is not a block type this stand-in knows`);
  }
  return problems;
}

function validateText(value: unknown, path: string, max: number): string[] {
  if (!check.object(value)) return [`${path} must be a text object`];
  const problems = problemsOf(
    check.oneOf(value.type, `${path}.type`, ['plain_text', 'mrkdwn']),
    check.string(value.text, `${path}.text`, { min: 1, max, required: true }),
    ...check.unknownKeys(value, path, ['type', 'text', 'emoji', 'verbatim']),
  );
  if (value.emoji !== undefined && value.type !== 'plain_text') problems.push(`${path}.emoji is only for plain_text`);
  if (value.verbatim !== undefined && value.type !== 'mrkdwn') problems.push(`${path}.verbatim is only for mrkdwn`);
  return problems;
}

/** Every mrkdwn string of a payload (top-level text and mrkdwn text objects). */
export function slackMrkdwnTexts(payload: Record<string, unknown>): string[] {
  const texts = typeof payload.text === 'string' ? [payload.text] : [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (check.object(value)) {
      if (value.type === 'mrkdwn' && typeof value.text === 'string') texts.push(value.text);
      Object.values(value).forEach(visit);
    }
  };
  visit(payload.blocks);
  return texts;
}

/** What Slack parses out of mrkdwn: `<…>` sequences are its only way to mention or link. */
export function slackParse(texts: string[]): SlackParsed {
  const parsed: SlackParsed = { mentions: [], links: [] };
  for (const text of texts) {
    for (const [, inner] of text.matchAll(/<([^<>]+)>/g)) {
      const [target = '', label = ''] = inner!.split('|');
      if (/^!(here|channel|everyone)$/.test(target) || /^!subteam\^/.test(target) || /^@[UW]/.test(target)) parsed.mentions.push(target);
      else if (!target.startsWith('#') && !target.startsWith('!')) parsed.links.push({ url: target, text: label });
    }
  }
  return parsed;
}

export async function startSlackStandIn(secretPath = '/services/T0000WARD/B0000WARD/Xq9sEcReTwebhookTOKEN12'): Promise<SlackStandIn> {
  const messages: SlackStandIn['messages'] = [];
  const server = await startVendorServer((request) => {
    if (request.method !== 'POST' || request.path !== secretPath) return { status: 404, body: 'no_service', problems: ['unknown webhook'] };
    const { error, problems } = validateSlackPayload(request.json);
    if (error) return { status: 400, body: error, problems };
    const payload = request.json as Record<string, unknown>;
    const mrkdwn = slackMrkdwnTexts(payload);
    messages.push({ payload, parsed: slackParse(mrkdwn), mrkdwn });
    return { status: 200, body: 'ok' };
  });
  return Object.assign(server, { webhookUrl: `${server.origin}${secretPath}`, messages });
}
