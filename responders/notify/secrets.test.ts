import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { channelsSchema } from '../../src/config/schema-channels.js';
import { scrubSecrets } from '../../src/log.js';
import { ChannelSecretError, loadChannelSecrets } from './secrets.js';

const slackUrl = 'https://hooks.slack.com/services/T0LOAD001/B0LOAD001/sLaCkSeCrEt0123456789ab';
const botToken = '7000000001:AAFsecretTelegramToken_0123456789';

describe('loadChannelSecrets', () => {
  it('reads env and files, trims them, and registers every value with the log scrubber', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warden-secrets-'));
    await writeFile(join(dir, 'token'), `${botToken}\n`, { mode: 0o600 });
    const channels = channelsSchema.parse([
      { id: 'slack', kind: 'slack', webhookUrlEnv: 'TEST_SLACK_URL' },
      { id: 'tg', kind: 'telegram', botTokenFile: join(dir, 'token'), chatId: 1 },
      { id: 'hook', kind: 'webhook', url: 'https://ops.example.com/warden', secretEnv: 'TEST_HOOK_SECRET' },
      { id: 'relay', kind: 'email', smtp: { host: 'localhost', security: 'none' }, from: 'w@example.com', to: ['a@example.com'] },
    ]);
    const secrets = await loadChannelSecrets({ channels, env: { TEST_SLACK_URL: ` ${slackUrl} `, TEST_HOOK_SECRET: 'hook-secret-0123456789abcdef' } });
    expect(Object.fromEntries(secrets)).toEqual({
      slack: { webhookUrl: slackUrl },
      tg: { botToken },
      hook: { url: 'https://ops.example.com/warden', signingSecret: 'hook-secret-0123456789abcdef' },
      relay: {},
    });
    expect(scrubSecrets(`posting to ${slackUrl} with ${botToken} and hook-secret-0123456789abcdef`)).toBe('posting to [REDACTED] with [REDACTED] and [REDACTED]');
    // The inline webhook url has no credential in it: it stays readable in logs.
    expect(scrubSecrets('https://ops.example.com/warden')).toBe('https://ops.example.com/warden');
  });

  it('lists every missing, unreadable or malformed secret by name, never by value', async () => {
    const channels = channelsSchema.parse([
      { id: 'slack', kind: 'slack', webhookUrlEnv: 'MISSING_SLACK_URL' },
      { id: 'tg', kind: 'telegram', botTokenEnv: 'BAD_TOKEN', chatId: 1 },
      { id: 'pd', kind: 'pagerduty', routingKeyFile: '/nonexistent/routing-key' },
      { id: 'og', kind: 'opsgenie', apiKeyEnv: 'EMPTY_KEY' },
      { id: 'hook', kind: 'webhook', urlEnv: 'HOOK_URL', secretEnv: 'SHORT_SECRET' },
    ]);
    const env = { BAD_TOKEN: 'not-a-token-value-xyz', EMPTY_KEY: '  ', HOOK_URL: 'ftp://files.example.com/x', SHORT_SECRET: 'short-secret' };
    const error = await loadChannelSecrets({ channels, env }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ChannelSecretError);
    expect((error as ChannelSecretError).problems).toEqual([
      'channel slack (slack): environment variable MISSING_SLACK_URL (its webhook url) is not set or empty',
      'channel tg (telegram): its bot token does not look like a bot token (<digits>:<letters>)',
      'channel pd (pagerduty): cannot read /nonexistent/routing-key (its routing key): ENOENT',
      'channel og (opsgenie): environment variable EMPTY_KEY (its API key) is not set or empty',
      'channel hook (webhook): its webhook url is not an http(s) url',
      'channel hook (webhook): its signing secret is shorter than 16 characters (use 32+ random characters)',
    ]);
    for (const value of Object.values(env)) if (value.trim()) expect((error as Error).message).not.toContain(value);
  });
});
