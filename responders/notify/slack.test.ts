import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { channelSchema, type SlackChannelConfig } from '../../src/config/schema-channels.js';
import { hostileMessage, sampleMessage } from '../../test/harness/vendors/messages.js';
import { startSlackStandIn, type SlackStandIn } from '../../test/harness/vendors/slack.js';
import { createSlackChannel, slackLimits } from './slack.js';

let slack: SlackStandIn;
beforeAll(async () => {
  slack = await startSlackStandIn();
});
afterAll(() => slack.close());
beforeEach(() => {
  slack.requests.length = 0;
  slack.messages.length = 0;
});

const config = (extra: Record<string, unknown> = {}) => channelSchema.parse({ id: 'oncall-slack', kind: 'slack', webhookUrlEnv: 'SLACK_WEBHOOK_URL', ...extra }) as SlackChannelConfig;
const channel = (extra: Record<string, unknown> = {}) => createSlackChannel({ config: config(extra), secrets: { webhookUrl: slack.webhookUrl }, policy: { baseDelayMs: 10 } });

describe('slack channel', () => {
  it('posts a Block Kit message Slack accepts: header, facts, one section per part, footer', async () => {
    expect(await channel().send(sampleMessage())).toEqual({ ok: true, attempts: 1, status: 200 });
    expect(slack.requests[0]!.problems).toEqual([]);
    const { payload, parsed } = slack.messages[0]!;
    const blocks = payload.blocks as { type: string; text?: { text: string; type: string } }[];
    expect(blocks.map((block) => block.type)).toEqual(['header', 'section', 'section', 'section', 'section', 'context']);
    expect(blocks[0]!.text).toEqual({ type: 'plain_text', text: 'Contained: lendco on mainnet is paused', emoji: true });
    expect(blocks[3]!.text!.text).toBe(
      `*What warden did*\n*pool-pause* paused in block <https://etherscan.io/block/19000001|19000001>, tx <https://etherscan.io/tx/0x${'3c'.repeat(32)}|0x3c3c3c3c…3c3c3c>`,
    );
    expect(payload.text).toBe('Contained: lendco on mainnet is paused');
    expect(parsed.mentions).toEqual([]);
    expect(parsed.links.every((link) => link.url.startsWith('https://etherscan.io/'))).toBe(true);
  });

  it('renders hostile chain data inert: no mention, no foreign link, no formatting', async () => {
    expect((await channel().send(hostileMessage())).ok).toBe(true);
    const { parsed, mrkdwn } = slack.messages[0]!;
    expect(parsed.mentions).toEqual([]);
    expect(parsed.links.map((link) => link.url)).toEqual(['https://etherscan.io/block/19000000', `https://etherscan.io/tx/0x${'1a'.repeat(32)}`]);
    const all = mrkdwn.join('\n');
    expect(all).toContain('&lt;\u200b!channel&gt;');
    expect(all).toContain('&lt;script&gt;');
    expect(all).not.toMatch(/\*bold\*|_it_|~strike~|`code`|@everyone|@here|https?:\/\/evil/);
    expect(all).not.toContain('\u202e');
  });

  it('pings only the configured mention', async () => {
    await channel({ mention: '<!here>' }).send(hostileMessage());
    expect(slack.messages[0]!.parsed.mentions).toEqual(['!here', '!here']);
  });

  it('keeps every block within Slack limits when chain data is huge', async () => {
    const message = sampleMessage({ actions: Array.from({ length: 30 }, (_, index) => ({ status: 'failed' as const, targetId: `target-${index}`, reason: '<&>'.repeat(400) })) });
    message.detection!.summary = '&'.repeat(5000);
    expect(await channel().send(message)).toMatchObject({ ok: true });
    const texts = slack.messages[0]!.mrkdwn;
    expect(Math.max(...texts.map((text) => text.length))).toBeLessThanOrEqual(slackLimits.sectionText);
    expect(texts.join('\n')).toContain('more in the incident record');
  });

  it('the stand-in rejects what Slack rejects (a section text over 3000 characters)', async () => {
    const response = await fetch(slack.webhookUrl, { method: 'POST', body: JSON.stringify({ blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }] }) });
    expect([response.status, await response.text()]).toEqual([400, 'invalid_blocks']);
    const wrongPath = await createSlackChannel({ config: config(), secrets: { webhookUrl: `${slack.origin}/services/T0/B0/wrong-secret-0123456789` } }).send(sampleMessage());
    expect(wrongPath).toEqual({ ok: false, attempts: 1, status: 404, error: 'slack channel oncall-slack: answered HTTP 404: no_service' });
  });
});
