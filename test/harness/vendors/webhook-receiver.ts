/**
 * A receiver of warden's generic webhook that does what the docs tell receivers to do: verify
 * X-Warden-Signature over the raw body with verifyWardenSignature (401 when it fails), reject a
 * timestamp outside the window, and drop a delivery id it has processed already (200, not recorded twice).
 */
import { verifyWardenSignature } from '../../../responders/notify/webhook-signature.js';
import { startVendorServer, type VendorServer } from './server.js';

export interface WebhookReceiver extends VendorServer {
  url: string;
  /** Verified, first-time deliveries. */
  deliveries: { id: string; event: string; body: Record<string, unknown> }[];
  /** Why requests were rejected. */
  rejections: string[];
}

export async function startWebhookReceiver(options: { secret: string; path?: string; toleranceSeconds?: number }): Promise<WebhookReceiver> {
  const path = options.path ?? '/hooks/warden';
  const deliveries: WebhookReceiver['deliveries'] = [];
  const rejections: string[] = [];
  const seen = new Set<string>();
  const server = await startVendorServer((request) => {
    if (request.method !== 'POST' || request.path !== path) return { status: 404, body: 'not found' };
    const check = verifyWardenSignature({
      secret: options.secret,
      timestamp: request.headers['x-warden-timestamp'],
      signature: request.headers['x-warden-signature'],
      body: request.body,
      ...(options.toleranceSeconds !== undefined ? { toleranceSeconds: options.toleranceSeconds } : {}),
    });
    if (!check.ok) {
      rejections.push(check.reason);
      return { status: 401, body: { error: check.reason }, problems: [check.reason] };
    }
    const id = String(request.headers['x-warden-delivery'] ?? '');
    if (!seen.has(id)) {
      seen.add(id);
      deliveries.push({ id, event: String(request.headers['x-warden-event']), body: request.json as Record<string, unknown> });
    }
    return { status: 200, body: { ok: true } };
  });
  return Object.assign(server, { url: `${server.origin}${path}`, deliveries, rejections });
}
