import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/drill/processes.js';
import { sendWebhook, type WebhookPayload } from './notify-webhook.js';
import { startWebhookServer, type WebhookServer } from './test/webhook-server.js';

let server: WebhookServer;
beforeAll(async () => {
  server = await startWebhookServer();
});
afterAll(async () => {
  await server?.close();
});

const payload: WebhookPayload = {
  event: 'incident.contained',
  incident: { id: 'inc_1', status: 'contained', severity: 'high', protocol: 'demo', chainId: 31337 },
  text: 'contained',
};

describe('sendWebhook', () => {
  it('POSTs the JSON payload', async () => {
    server.bodies.length = 0;
    expect(await sendWebhook({ webhook: { id: 'ops', url: server.url }, payload })).toEqual({ ok: true, status: 200, attempts: 1 });
    expect(server.bodies).toEqual([payload]);
  });

  it('retries a server error, but not a client error', async () => {
    server.script.push(503);
    expect(await sendWebhook({ webhook: { id: 'ops', url: server.url }, payload, retryDelayMs: 5 })).toMatchObject({ ok: true, attempts: 2 });
    server.script.push(404);
    expect(await sendWebhook({ webhook: { id: 'ops', url: server.url }, payload, retryDelayMs: 5 })).toEqual({
      ok: false,
      error: 'webhook ops answered HTTP 404',
      attempts: 1,
    });
  });

  it('times out, retries, and reports failure without the url', async () => {
    server.script.push(-500, -500);
    const slow = await sendWebhook({ webhook: { id: 'ops', url: server.url, timeout: 0.1 }, payload, attempts: 2, retryDelayMs: 5 });
    expect(slow).toEqual({ ok: false, error: 'webhook ops failed: no answer within 100 ms', attempts: 2 });
    const closed = `http://127.0.0.1:${await freePort()}/hooks/s3cr3t-token-123`;
    const refused = await sendWebhook({ webhook: { id: 'ops', url: closed }, payload, attempts: 2, retryDelayMs: 5 });
    expect(refused.ok).toBe(false);
    expect(JSON.stringify(refused)).toContain('ECONNREFUSED');
    expect(JSON.stringify(refused)).not.toContain('s3cr3t');
  });
});
