import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { channelSchema, type EmailChannelConfig } from '../../src/config/schema-channels.js';
import { hostileMessage, sampleMessage } from '../../test/harness/vendors/messages.js';
import { startSmtpStandIn, type SmtpStandIn } from '../../test/harness/vendors/smtp.js';
import { createEmailChannel } from './email.js';

let smtp: SmtpStandIn;
beforeAll(async () => {
  smtp = await startSmtpStandIn();
});
afterAll(() => smtp.close());
beforeEach(() => {
  smtp.mails.length = 0;
  smtp.script.length = 0;
  smtp.dataAttempts = 0;
});

const config = (extra: Record<string, unknown> = {}) =>
  channelSchema.parse({
    id: 'mail-oncall',
    kind: 'email',
    smtp: { host: smtp.host, port: smtp.port, security: 'none', user: smtp.user, passwordEnv: 'SMTP_PASSWORD' },
    from: 'warden <warden@example.com>',
    to: ['oncall@example.com', 'cto@example.com'],
    ...extra,
  }) as EmailChannelConfig;
const channel = (password = smtp.password, policy = {}) =>
  createEmailChannel({ config: config(), secrets: { password }, policy: { baseDelayMs: 10, attemptTimeoutMs: 1_000, totalTimeoutMs: 4_000, ...policy } });

describe('email channel', () => {
  it('sends an HTML and a plain-text part, threaded by incident', async () => {
    expect(await channel().send(sampleMessage())).toEqual({ ok: true, attempts: 1, status: 250 });
    const mail = smtp.mails[0]!;
    expect(mail.problems).toEqual([]);
    expect(mail.envelope).toEqual({ from: 'warden@example.com', to: ['oncall@example.com', 'cto@example.com'] });
    expect(mail.subject).toBe('[CRITICAL] Contained: lendco on mainnet is paused');
    expect(mail.headers['references']).toBe('<inc_0m5abc12d3e4f5a6b7c8@warden>');
    expect(mail.headers['x-warden-event']).toBe('incident.contained');
    expect(mail.text).toContain('What warden did:\n- pool-pause paused in block 19000001 (https://etherscan.io/block/19000001)');
    expect(mail.html).toContain(`<a href="https://etherscan.io/tx/0x${'3c'.repeat(32)}">0x3c3c3c3c…3c3c3c</a>`);
  });

  it('escapes hostile chain data in the HTML part and neutralizes it in both', async () => {
    await channel().send(hostileMessage());
    const mail = smtp.mails[0]!;
    expect(mail.html).not.toMatch(/<script|<b>fake|href="(?!https:\/\/etherscan\.io\/)/);
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(`${mail.text}${mail.html}${mail.subject}`).not.toMatch(/@everyone|https?:\/\/evil/);
  });

  it('retries a transient 451, fails a permanent 550 at once', async () => {
    smtp.script.push({ code: 451, message: 'try again later' });
    expect(await channel().send(sampleMessage())).toMatchObject({ ok: true, attempts: 2 });
    smtp.script.push({ code: 550, message: 'mailbox unavailable' });
    const failed = await channel().send(sampleMessage());
    expect(failed).toMatchObject({ ok: false, attempts: 1, status: 550 });
    expect(failed.error).toMatch(/^email channel mail-oncall: SMTP 550: /);
  });

  it('a wrong password fails at once, and the error does not contain it', async () => {
    const wrong = 'not-the-Pa55word-987654321';
    const result = await channel(wrong).send(sampleMessage());
    expect(result).toMatchObject({ ok: false, attempts: 1, status: 535 });
    expect(result.error).not.toContain(wrong);
  });

  it('a server that never answers fails within the bound', async () => {
    smtp.script.push('hang', 'hang', 'hang', 'hang', 'hang');
    const started = Date.now();
    const result = await channel(smtp.password, { attemptTimeoutMs: 300, totalTimeoutMs: 1_000 }).send(sampleMessage());
    expect(result.ok).toBe(false);
    expect(result.attempts).toBeGreaterThanOrEqual(1);
    // Loose: only a send that ignores its bound (hangs for the socket's lifetime) can fail this.
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});
