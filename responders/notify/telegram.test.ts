import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { channelSchema, type TelegramChannelConfig } from '../../src/config/schema-channels.js';
import { hostileMessage, hostileText, sampleMessage } from '../../test/harness/vendors/messages.js';
import { startTelegramStandIn, type TelegramStandIn } from '../../test/harness/vendors/telegram.js';
import { neutralize } from './escape.js';
import { createTelegramChannel } from './telegram.js';

let telegram: TelegramStandIn;
beforeAll(async () => {
  telegram = await startTelegramStandIn();
});
afterAll(() => telegram.close());
beforeEach(() => {
  telegram.requests.length = 0;
  telegram.messages.length = 0;
});

const config = (extra: Record<string, unknown> = {}) =>
  channelSchema.parse({ id: 'tg-ops', kind: 'telegram', botTokenEnv: 'TELEGRAM_BOT_TOKEN', chatId: -1001234567890, apiUrl: telegram.apiUrl, ...extra }) as TelegramChannelConfig;
const channel = (extra: Record<string, unknown> = {}, botToken = telegram.botToken) => createTelegramChannel({ config: config(extra), secrets: { botToken }, policy: { baseDelayMs: 10 } });

describe('telegram channel', () => {
  it('calls sendMessage with parse_mode HTML that Telegram parses, link previews off', async () => {
    expect(await channel({ messageThreadId: 7 }).send(sampleMessage())).toEqual({ ok: true, attempts: 1, status: 200 });
    const { payload, visibleText, links, tags } = telegram.messages[0]!;
    expect(telegram.requests[0]!.path).toBe(`/bot${telegram.botToken}/sendMessage`);
    expect(payload).toMatchObject({ chat_id: -1001234567890, parse_mode: 'HTML', link_preview_options: { is_disabled: true }, message_thread_id: 7 });
    expect(visibleText.split('\n')[0]).toBe('Contained: lendco on mainnet is paused');
    expect(visibleText).toContain('• pool-pause paused in block 19000001, tx 0x3c3c3c3c…3c3c3c');
    expect(links).toHaveLength(5);
    expect(new Set(tags)).toEqual(new Set(['b', 'code', 'a', 'i']));
  });

  it('renders hostile chain data as literal text: only warden\'s tags and explorer links', async () => {
    expect((await channel().send(hostileMessage())).ok).toBe(true);
    const { visibleText, links, tags } = telegram.messages[0]!;
    expect(new Set(tags)).toEqual(new Set(['b', 'code', 'a', 'i']));
    expect(links).toEqual(['https://etherscan.io/block/19000000', `https://etherscan.io/tx/0x${'1a'.repeat(32)}`]);
    // What people read is the attacker's text, verbatim except for the neutralization.
    expect(visibleText).toContain(neutralize(hostileText));
    expect(visibleText).not.toMatch(/@everyone|@here|https?:\/\/evil/);
  });

  it('stays within 4096 characters after entities parsing when chain data is huge', async () => {
    const message = sampleMessage({ actions: Array.from({ length: 40 }, (_, index) => ({ status: 'failed' as const, targetId: `t${index}`, reason: '<&>'.repeat(100) })) });
    message.detection!.summary = '&'.repeat(3000);
    expect(await channel().send(message)).toMatchObject({ ok: true });
    expect(telegram.messages[0]!.visibleText.length).toBeLessThanOrEqual(4096);
    expect(telegram.messages[0]!.visibleText).toContain('more in the incident record');
  });

  it('waits parameters.retry_after of a 429 (flood control) rather than its own backoff', async () => {
    telegram.script.push({ status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 0', parameters: { retry_after: 0 } } });
    const result = await createTelegramChannel({ config: config(), secrets: { botToken: telegram.botToken }, policy: { baseDelayMs: 10_000, totalTimeoutMs: 3_000 } }).send(sampleMessage());
    expect(result).toMatchObject({ ok: true, attempts: 2 });
  });

  it('a wrong token fails at once, and the error names no token', async () => {
    const wrong = '7012345678:AAHwRoNgToKeNwRoNgToKeN00000000000';
    const result = await channel({}, wrong).send(sampleMessage());
    expect(result).toEqual({ ok: false, attempts: 1, status: 401, error: 'telegram channel tg-ops: answered HTTP 401: Unauthorized' });
  });

  it('the stand-in rejects what Telegram rejects: unsupported tags, unclosed tags, too long', async () => {
    const post = (text: string) =>
      fetch(`${telegram.apiUrl}/bot${telegram.botToken}/sendMessage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chat_id: 1, text, parse_mode: 'HTML' }) });
    expect(await (await post('<script>x</script>')).json()).toEqual({ ok: false, error_code: 400, description: 'Bad Request: can\'t parse entities: Unsupported start tag "script" at byte offset 0' });
    expect((await (await post('<b>open')).json()).description).toBe('Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"');
    expect((await (await post('&lt;'.repeat(4097))).json()).description).toBe('Bad Request: message is too long');
    expect((await post('&lt;'.repeat(4096))).status).toBe(200);
  });
});
