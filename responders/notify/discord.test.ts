import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { channelSchema, type DiscordChannelConfig } from '../../src/config/schema-channels.js';
import { discordPings, startDiscordStandIn, type DiscordStandIn } from '../../test/harness/vendors/discord.js';
import { hostileMessage, sampleMessage } from '../../test/harness/vendors/messages.js';
import { createDiscordChannel, discordLimits } from './discord.js';

let discord: DiscordStandIn;
beforeAll(async () => {
  discord = await startDiscordStandIn();
});
afterAll(() => discord.close());
beforeEach(() => {
  discord.requests.length = 0;
  discord.messages.length = 0;
});

const role = '123456789012345678';
const config = (extra: Record<string, unknown> = {}) => channelSchema.parse({ id: 'war-room', kind: 'discord', webhookUrlEnv: 'DISCORD_WEBHOOK_URL', ...extra }) as DiscordChannelConfig;
const channel = (extra: Record<string, unknown> = {}) => createDiscordChannel({ config: config(extra), secrets: { webhookUrl: discord.webhookUrl }, policy: { baseDelayMs: 10 } });

describe('discord channel', () => {
  it('executes the webhook with wait=true: content, one embed with fields, pings switched off', async () => {
    expect(await channel().send(sampleMessage())).toEqual({ ok: true, attempts: 1, status: 200 });
    const request = discord.requests[0]!;
    expect([request.query, request.problems]).toEqual([{ wait: 'true' }, []]);
    const { payload, pings, links } = discord.messages[0]!;
    expect(payload).toMatchObject({ username: 'warden', content: 'Contained: lendco on mainnet is paused', allowed_mentions: { parse: [] } });
    const embed = (payload.embeds as Record<string, unknown>[])[0]!;
    expect(embed).toMatchObject({ title: 'Contained: lendco on mainnet is paused', color: 0x2ea043, timestamp: '2025-01-02T03:04:05.000Z', footer: { text: 'warden · 2025-01-02T03:04:05.000Z' } });
    expect((embed.fields as { name: string }[]).map((field) => field.name)).toEqual(['Severity', 'Protocol', 'Chain', 'Incident', 'Status']);
    expect(pings).toEqual([]);
    expect(links.map((link) => link.url)).toEqual([
      'https://etherscan.io/block/19000000',
      `https://etherscan.io/tx/0x${'1a'.repeat(32)}`,
      `https://etherscan.io/address/0x${'2b'.repeat(20)}`,
      'https://etherscan.io/block/19000001',
      `https://etherscan.io/tx/0x${'3c'.repeat(32)}`,
    ]);
  });

  it('renders hostile chain data inert and pings only the configured role', async () => {
    expect((await channel({ mentionRoleIds: [role] }).send(hostileMessage())).ok).toBe(true);
    const { payload, pings, links } = discord.messages[0]!;
    expect(pings).toEqual([`role:${role}`]);
    expect(links.map((link) => link.url)).toEqual(['https://etherscan.io/block/19000000', `https://etherscan.io/tx/0x${'1a'.repeat(32)}`]);
    const description = (payload.embeds as { description: string }[])[0]!.description;
    expect(description).toContain('\\*bold\\* \\_it\\_ \\~strike\\~ \\`code\\` \\|\\|spoiler\\|\\| \\[x\\]\\(http\\[:\\]//evil.example/phish\\)');
    expect(description).not.toMatch(/(?<!\\)<[@#!]|@everyone|@here|https?:\/\/evil/);
  });

  it('a hostile name in the content (acknowledged by …) pings nobody, where Discord would ping without these defences', async () => {
    const actor = `@everyone <@&${role}> <@${role}>`;
    await channel().send(sampleMessage({ event: 'incident.acknowledged', actor: { name: actor } }));
    const { payload, pings } = discord.messages[0]!;
    expect(pings).toEqual([]);
    expect(payload.content).toBe(`Acknowledged by @\u200beveryone \\<@\u200b&${role}\\> \\<@\u200b${role}\\>: lendco on mainnet`);
    // The stand-in's model of Discord: the raw name, without allowed_mentions, pings everyone, the role and the user.
    expect(discordPings({ content: actor })).toEqual(['@everyone', `role:${role}`, `user:${role}`]);
  });

  it('fits the embed within 4096 / 6000 characters when chain data is huge', async () => {
    const message = sampleMessage({ actions: Array.from({ length: 40 }, (_, index) => ({ status: 'failed' as const, targetId: `target-${index}`, reason: '*_'.repeat(200) })) });
    message.detection!.evidence = Object.fromEntries(Array.from({ length: 10 }, (_, index) => [`k${index}`, '|'.repeat(500)]));
    expect(await channel().send(message)).toMatchObject({ ok: true });
    const embed = (discord.messages[0]!.payload.embeds as { description: string }[])[0]!;
    expect(embed.description.length).toBeLessThanOrEqual(discordLimits.description);
    expect(embed.description).toContain('more in the incident record');
  });

  it('waits the retry_after of a 429 body (Discord\'s rate limit answer) rather than its own backoff', async () => {
    discord.script.push({ status: 429, body: { message: 'You are being rate limited.', retry_after: 0.02, global: false } });
    // Its own backoff (10 s) would pass the 3 s bound: only retry_after lets the second attempt happen.
    const result = await createDiscordChannel({ config: config(), secrets: { webhookUrl: discord.webhookUrl }, policy: { baseDelayMs: 10_000, totalTimeoutMs: 3_000 } }).send(sampleMessage());
    expect(result).toMatchObject({ ok: true, attempts: 2 });
  });

  it('the stand-in rejects what Discord rejects', async () => {
    const post = (body: unknown) => fetch(discord.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ embeds: [{ description: 'x'.repeat(4097) }] })).status).toBe(400);
    expect((await post({ content: '' })).status).toBe(400);
    expect((await post({ content: 'x', allowed_mentions: { parse: ['roles'], roles: [role] } })).status).toBe(400);
    expect(discord.requests.map((request) => request.problems[0])).toEqual([
      'embeds[0].description must be at most 4096 characters (got 4097)',
      'Cannot send an empty message',
      'allowed_mentions: parse roles and roles are mutually exclusive',
    ]);
  });
});
