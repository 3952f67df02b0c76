import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { channelSchema, type WebhookChannelConfig } from '../../src/config/schema-channels.js';
import { hostileMessage, hostileText, sampleMessage } from '../../test/harness/vendors/messages.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../test/harness/vendors/webhook-receiver.js';
import { createWebhookChannel } from './webhook.js';
import { signWardenWebhook, verifyWardenSignature } from './webhook-signature.js';

const secret = 'whsec-0123456789abcdefghijklmnopqrstuv';
let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver({ secret });
});
afterAll(() => receiver.close());
beforeEach(() => {
  receiver.requests.length = 0;
  receiver.deliveries.length = 0;
  receiver.rejections.length = 0;
});

const config = () => channelSchema.parse({ id: 'ops-hook', kind: 'webhook', url: receiver.url, secretEnv: 'WARDEN_WEBHOOK_SECRET' }) as WebhookChannelConfig;
const channel = (signingSecret = secret) => createWebhookChannel({ config: config(), secrets: { url: receiver.url, signingSecret }, policy: { baseDelayMs: 10 } });

describe('webhook channel', () => {
  it('POSTs the structured body, signed; a receiver following the docs verifies it', async () => {
    expect(await channel().send(sampleMessage())).toEqual({ ok: true, attempts: 1, status: 200 });
    const request = receiver.requests[0]!;
    expect(request.headers['x-warden-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(request.headers['x-warden-timestamp']).toMatch(/^\d{10}$/);
    expect(receiver.deliveries).toHaveLength(1);
    const { event, body } = receiver.deliveries[0]!;
    expect(event).toBe('incident.contained');
    expect(body).toMatchObject({
      version: 1,
      event: 'incident.contained',
      at: '2025-01-02T03:04:05.000Z',
      incident: { id: 'inc_0m5abc12d3e4f5a6b7c8', status: 'contained', severity: 'critical', protocol: 'lendco', chainId: 1 },
      chain: { id: 1, name: 'mainnet' },
      detection: { detectorId: 'pool-drain', blockNumber: 19_000_000 },
      actions: [{ status: 'paused', targetId: 'pool-pause' }],
      text: 'Contained: lendco on mainnet is paused · pool lost 40% of its USDC in one block',
    });
  });

  it('keeps chain data raw in the structured fields (documented as untrusted), neutralized in text', async () => {
    await channel().send(hostileMessage());
    const body = receiver.deliveries[0]!.body as { detection: { summary: string }; text: string };
    expect(body.detection.summary).toBe(hostileText);
    expect(body.text).not.toMatch(/@everyone|<!channel>|https?:\/\/evil/);
  });

  it('a retry or a second replica sending the same event carries the same delivery id: the receiver processes it once', async () => {
    const message = sampleMessage({ at: Date.UTC(2025, 0, 3) });
    await channel().send(message);
    await channel().send(message);
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[0]!.headers['x-warden-delivery']).toBe(receiver.requests[1]!.headers['x-warden-delivery']);
    expect(receiver.deliveries).toHaveLength(1);
  });

  it('a receiver with another secret rejects it (401, not retried)', async () => {
    const result = await channel('another-secret-0123456789abcdef').send(sampleMessage());
    expect(result).toEqual({ ok: false, attempts: 1, status: 401, error: 'webhook channel ops-hook: answered HTTP 401: signature-mismatch' });
  });
});

describe('verifyWardenSignature', () => {
  const body = '{"event":"incident.opened"}';
  const now = Date.UTC(2025, 0, 2, 3, 4, 5);
  const timestamp = String(now / 1000);
  const signature = signWardenWebhook({ secret, timestamp, body });

  it('accepts a good signature, over a string or the raw bytes, and during a secret rotation', () => {
    expect(verifyWardenSignature({ secret, timestamp, body, signature, now })).toEqual({ ok: true });
    expect(verifyWardenSignature({ secret, timestamp, body: Buffer.from(body), signature, now })).toEqual({ ok: true });
    expect(verifyWardenSignature({ secret: ['new-secret-0123456789abcdef', secret], timestamp, body, signature: `v1=${'0'.repeat(64)}, ${signature}`, now })).toEqual({ ok: true });
  });

  it('rejects a tampered body, a wrong secret, an old or future timestamp, and malformed headers', () => {
    expect(verifyWardenSignature({ secret, timestamp, body: body.replace('opened', 'resolved'), signature, now })).toEqual({ ok: false, reason: 'signature-mismatch' });
    expect(verifyWardenSignature({ secret: 'wrong-secret-0123456789', timestamp, body, signature, now })).toEqual({ ok: false, reason: 'signature-mismatch' });
    expect(verifyWardenSignature({ secret, timestamp, body, signature, now: now + 301_000 })).toEqual({ ok: false, reason: 'timestamp-outside-tolerance' });
    expect(verifyWardenSignature({ secret, timestamp, body, signature, now: now - 301_000 })).toEqual({ ok: false, reason: 'timestamp-outside-tolerance' });
    expect(verifyWardenSignature({ secret, timestamp, body, signature, now: now + 299_000 })).toEqual({ ok: true });
    // The timestamp is signed: moving it forward to pass the window breaks the signature.
    expect(verifyWardenSignature({ secret, timestamp: String(Number(timestamp) + 600), body, signature, now: now + 600_000 })).toEqual({ ok: false, reason: 'signature-mismatch' });
    expect(verifyWardenSignature({ secret, timestamp: 'yesterday', body, signature, now })).toEqual({ ok: false, reason: 'missing-timestamp' });
    expect(verifyWardenSignature({ secret, timestamp, body, signature: signature.slice(0, 20), now })).toEqual({ ok: false, reason: 'missing-signature' });
    expect(verifyWardenSignature({ secret, timestamp, body, signature: undefined, now })).toEqual({ ok: false, reason: 'missing-signature' });
  });
});
