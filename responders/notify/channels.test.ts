/**
 * What every HTTP channel guarantees, whatever the vendor: a 500 then 200 succeeds after a retry; a
 * vendor that is down or never answers gives ok:false within the channel's bound; and no error line
 * ever contains the channel's secrets (webhook urls, bot tokens, routing keys, GenieKeys, secrets).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelSchema, type ChannelConfig } from '../../src/config/schema-channels.js';
import { freePort } from '../../src/drill/processes.js';
import { startDiscordStandIn } from '../../test/harness/vendors/discord.js';
import { sampleMessage } from '../../test/harness/vendors/messages.js';
import { startOpsgenieStandIn } from '../../test/harness/vendors/opsgenie.js';
import { startPagerDutyStandIn } from '../../test/harness/vendors/pagerduty.js';
import type { VendorServer } from '../../test/harness/vendors/server.js';
import { startSlackStandIn } from '../../test/harness/vendors/slack.js';
import { startTelegramStandIn } from '../../test/harness/vendors/telegram.js';
import { startWebhookReceiver } from '../../test/harness/vendors/webhook-receiver.js';
import { createChannel } from './index.js';
import type { ChannelSecrets } from './secrets.js';

interface Case {
  kind: ChannelConfig['kind'];
  server: VendorServer;
  /** Config and secrets pointing at `origin` (the stand-in, or a closed port). */
  setup(origin: string): { config: Record<string, unknown>; secrets: ChannelSecrets };
  /** Strings that must never appear in an error line. */
  secretValues: string[];
}

const webhookSecret = 'whsec-channels-0123456789abcdefghij';
const cases: Case[] = [];
let closedOrigin: string;

beforeAll(async () => {
  closedOrigin = `http://127.0.0.1:${await freePort()}`;
  const slack = await startSlackStandIn();
  const discord = await startDiscordStandIn();
  const telegram = await startTelegramStandIn();
  const pagerduty = await startPagerDutyStandIn();
  const opsgenie = await startOpsgenieStandIn();
  const receiver = await startWebhookReceiver({ secret: webhookSecret, path: '/hooks/t0k3n-in-path-0123456789abcdef' });
  const rebase = (url: string, origin: string) => url.replace(/^http:\/\/127\.0\.0\.1:\d+/, origin);
  cases.push(
    { kind: 'slack', server: slack, setup: (origin) => ({ config: { webhookUrlEnv: 'U' }, secrets: { webhookUrl: rebase(slack.webhookUrl, origin) } }), secretValues: [new URL(slack.webhookUrl).pathname, 'Xq9sEcReTwebhookTOKEN12'] },
    { kind: 'discord', server: discord, setup: (origin) => ({ config: { webhookUrlEnv: 'U' }, secrets: { webhookUrl: rebase(discord.webhookUrl, origin) } }), secretValues: [new URL(discord.webhookUrl).pathname, 'dIsCoRdWeBhOoKtOkEn'] },
    { kind: 'telegram', server: telegram, setup: (origin) => ({ config: { botTokenEnv: 'T', chatId: 42, apiUrl: origin }, secrets: { botToken: telegram.botToken } }), secretValues: [telegram.botToken] },
    { kind: 'pagerduty', server: pagerduty, setup: (origin) => ({ config: { routingKeyEnv: 'K', eventsUrl: `${origin}/v2/enqueue` }, secrets: { routingKey: pagerduty.routingKey } }), secretValues: [pagerduty.routingKey] },
    { kind: 'opsgenie', server: opsgenie, setup: (origin) => ({ config: { apiKeyEnv: 'K', apiUrl: origin }, secrets: { apiKey: opsgenie.apiKey } }), secretValues: [opsgenie.apiKey] },
    { kind: 'webhook', server: receiver, setup: (origin) => ({ config: { urlEnv: 'U', secretEnv: 'S' }, secrets: { url: rebase(receiver.url, origin), signingSecret: webhookSecret } }), secretValues: ['t0k3n-in-path-0123456789abcdef', webhookSecret] },
  );
});
afterAll(() => Promise.all(cases.map((entry) => entry.server.close())));

function channelFor(entry: Case, origin: string, policy = {}) {
  const { config, secrets } = entry.setup(origin);
  const parsed = channelSchema.parse({ id: `${entry.kind}-ch`, kind: entry.kind, ...config });
  return createChannel({ config: parsed, secrets, policy: { baseDelayMs: 10, attemptTimeoutMs: 300, totalTimeoutMs: 1_500, ...policy } });
}

function expectNoSecret(entry: Case, error: string | undefined) {
  expect(error).toBeTruthy();
  for (const secret of entry.secretValues) expect(error, entry.kind).not.toContain(secret);
}

const kinds = ['slack', 'discord', 'telegram', 'pagerduty', 'opsgenie', 'webhook'] as const;

describe.each(kinds)('%s channel delivery', (kind) => {
  const entry = () => cases.find((candidate) => candidate.kind === kind)!;

  it('a 500 then 200 succeeds on the second attempt', async () => {
    const { server } = entry();
    server.requests.length = 0;
    server.script.push({ status: 500, body: 'oops' });
    expect(await channelFor(entry(), server.origin).send(sampleMessage())).toMatchObject({ ok: true, attempts: 2 });
    expect(server.requests.map((request) => request.status)).toEqual([500, expect.any(Number)]);
  });

  it('a 429 with Retry-After is retried', async () => {
    const { server } = entry();
    server.script.push({ status: 429, headers: { 'retry-after': '0' }, body: '{}' });
    expect(await channelFor(entry(), server.origin).send(sampleMessage())).toMatchObject({ ok: true, attempts: 2 });
  });

  it('a vendor that is down gives ok:false, with no secret in the error', async () => {
    const result = await channelFor(entry(), closedOrigin, { maxAttempts: 3 }).send(sampleMessage());
    expect(result).toMatchObject({ ok: false, attempts: 3 });
    expect(result.error).toMatch(/connection error ECONNREFUSED; gave up after 3 attempts$/);
    expectNoSecret(entry(), result.error);
  });

  it('a vendor that never answers gives ok:false within the bound, with no secret in the error', async () => {
    const { server } = entry();
    server.script.push(...Array.from({ length: 10 }, () => 'hang' as const));
    const started = Date.now();
    const result = await channelFor(entry(), server.origin).send(sampleMessage());
    server.script.length = 0;
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/no answer within \d+ ms/);
    expectNoSecret(entry(), result.error);
    // Loose on purpose (noisy machine): only a send that ignores its 1.5 s bound can take this long.
    expect(Date.now() - started).toBeLessThan(6_000);
  });
});
