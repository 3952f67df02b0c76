import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseYaml } from './yaml.js';
import { channelsSchema } from './schema-channels.js';

const example = `
- id: oncall-slack
  kind: slack
  webhookUrlEnv: SLACK_WEBHOOK_URL
  mention: "<!here>"
- id: war-room
  kind: discord
  webhookUrlFile: /run/secrets/discord-webhook-url
  mentionRoleIds: ["123456789012345678"]
- id: tg
  kind: telegram
  botTokenEnv: TELEGRAM_BOT_TOKEN
  chatId: -1001234567890
- id: page-primary
  kind: pagerduty
  routingKeyEnv: PAGERDUTY_ROUTING_KEY
  retryFor: 2m
- id: og
  kind: opsgenie
  apiKeyEnv: OPSGENIE_API_KEY
  region: eu
  responders: [{ type: team, name: protocol-oncall }]
- id: mail
  kind: email
  smtp: { host: smtp.example.com, user: warden@example.com, passwordEnv: SMTP_PASSWORD }
  from: warden <warden@example.com>
  to: [oncall@example.com]
- id: ops-hook
  kind: webhook
  url: https://ops.example.com/warden
  secretFile: /run/secrets/warden-webhook-secret
  templates:
    incident.opened:
      nextSteps: ["Join #war-room: \`warden incidents ack {incident} --by <name>\`"]
`;

describe('channelsSchema', () => {
  it('parses the documented example with its defaults', () => {
    const channels = channelsSchema.parse(parseYaml({ text: example }));
    expect(channels.map((channel) => channel.kind)).toEqual(['slack', 'discord', 'telegram', 'pagerduty', 'opsgenie', 'email', 'webhook']);
    expect(channels[0]).toMatchObject({ timeout: 5, retryFor: 30 });
    expect(channels[2]).toMatchObject({ apiUrl: 'https://api.telegram.org' });
    expect(channels[3]).toMatchObject({ eventsUrl: 'https://events.pagerduty.com/v2/enqueue', source: 'warden', retryFor: 120 });
    expect(channels[5]).toMatchObject({ smtp: { security: 'starttls' } });
  });

  it('names each problem and how to fix it', () => {
    const result = channelsSchema.safeParse([
      { id: 'a', kind: 'slack', webhookUrl: 'https://hooks.slack.com/services/T/B/x' },
      { id: 'b', kind: 'sms' },
      { id: 'c', kind: 'telegram', botTokenEnv: 'lower_case', chatId: 'general' },
      { id: 'd', kind: 'webhook', url: 'https://x.example', secretEnv: 'S', templates: { 'incident.opened': { title: '{bogus}' } } },
      { id: 'e', kind: 'email', smtp: { host: 'x', user: 'u' }, from: 'w@x.y', to: ['not an address'] },
    ]);
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^0: Unrecognized key: "webhookUrl"/),
      '0: set exactly one of webhookUrlEnv or webhookUrlFile (the webhook url is a secret: never written inline)',
      '1.kind: expected kind to be one of slack, discord, telegram, pagerduty, opsgenie, email, webhook',
      '2.botTokenEnv: expected an environment variable name like SLACK_WEBHOOK_URL',
      '2.chatId: expected a numeric chat id or @channelusername',
      '3.templates.incident.opened.title: expected only the placeholders {protocol} {chain} {severity} {SEVERITY} {incident} {detector} {block} {actor} {summary}',
      '4.smtp: set user together with passwordEnv or passwordFile (or neither, for a relay without auth)',
      '4.to.0: expected an e-mail address like oncall@example.com',
    ]);
  });

  it('requires a secret source and rejects duplicate ids', () => {
    const missing = channelsSchema.safeParse([{ id: 'a', kind: 'pagerduty' }]);
    expect(missing.error!.issues[0]!.message).toBe('set exactly one of routingKeyEnv or routingKeyFile (the routing key is a secret: never written inline)');
    const twice = channelsSchema.safeParse([
      { id: 'a', kind: 'slack', webhookUrlEnv: 'A' },
      { id: 'a', kind: 'slack', webhookUrlEnv: 'B' },
    ]);
    expect(twice.error!.issues.map((issue) => [issue.path, issue.message])).toEqual([[[1, 'id'], 'expected a unique id; "a" is used twice']]);
  });

  it('converts to JSON Schema with descriptions (for config/schema.json)', () => {
    const schema = JSON.stringify(z.toJSONSchema(z.object({ channels: channelsSchema }), { io: 'input', unrepresentable: 'any' }));
    expect(schema).toContain('Environment variable holding the incoming-webhook url');
    expect(schema).toContain('"pagerduty"');
  });
});
