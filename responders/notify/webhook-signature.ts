/**
 * Signatures of warden's generic webhook, for warden (signing) and for receivers (verifying).
 *
 * Each POST carries:
 * - `X-Warden-Timestamp`: unix seconds when this attempt was signed (a retry is signed anew);
 * - `X-Warden-Signature`: `v1=<hex>`, the lowercase hex HMAC-SHA256, keyed with the shared secret,
 *   of `<timestamp>.<raw body bytes>`. Several comma-separated `v1=` values may appear (secret rotation);
 *   one matching is enough;
 * - `X-Warden-Delivery`: an id of the notification, the same across retries: dedupe on it;
 * - `X-Warden-Event`: the event, e.g. `incident.contained`.
 *
 * A receiver verifies the RAW body (before any JSON parsing: re-serialized JSON differs), rejects
 * timestamps more than `toleranceSeconds` from its clock (a captured request cannot be replayed
 * later), and drops a delivery id it has already processed (a replay inside the window).
 *
 * @example
 * const check = verifyWardenSignature({
 *   secret: process.env.WARDEN_WEBHOOK_SECRET!,
 *   timestamp: req.headers['x-warden-timestamp'],
 *   signature: req.headers['x-warden-signature'],
 *   body: rawBody, // Buffer or string, exactly as received
 * });
 * if (!check.ok) return res.status(401).end(check.reason);
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const wardenWebhookHeaders = {
  timestamp: 'X-Warden-Timestamp',
  signature: 'X-Warden-Signature',
  delivery: 'X-Warden-Delivery',
  event: 'X-Warden-Event',
} as const;

type Body = string | Uint8Array;

function mac(secret: string, timestamp: string, body: Body): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body).digest();
}

/** `v1=<hex>` for this timestamp (unix seconds) and body. */
export function signWardenWebhook(params: { secret: string; timestamp: number | string; body: Body }): string {
  return `v1=${mac(params.secret, String(params.timestamp), params.body).toString('hex')}`;
}

export interface VerifyWardenSignatureParameters {
  /** The shared secret; during a rotation, the old and the new one. */
  secret: string | readonly string[];
  /** The X-Warden-Timestamp header. */
  timestamp: string | string[] | undefined;
  /** The raw request body, exactly as received. */
  body: Body;
  /** The X-Warden-Signature header. */
  signature: string | string[] | undefined;
  /** Accepted distance between the timestamp and `now`, either way. Default 300 s. */
  toleranceSeconds?: number;
  /** The receiver's clock, ms since epoch. Default Date.now(). */
  now?: number;
}

export type VerifyWardenSignatureResult =
  | { ok: true }
  | { ok: false; reason: 'missing-timestamp' | 'timestamp-outside-tolerance' | 'missing-signature' | 'signature-mismatch' };

/** Checks a warden webhook request. Never throws; compares in constant time. */
export function verifyWardenSignature(params: VerifyWardenSignatureParameters): VerifyWardenSignatureResult {
  const timestamp = single(params.timestamp)?.trim();
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing-timestamp' };
  const nowSeconds = (params.now ?? Date.now()) / 1000;
  if (Math.abs(nowSeconds - Number(timestamp)) > (params.toleranceSeconds ?? 300)) return { ok: false, reason: 'timestamp-outside-tolerance' };
  const candidates = (single(params.signature) ?? '')
    .split(/[,\s]+/)
    .map((part) => /^v1=([0-9a-f]{64})$/i.exec(part)?.[1])
    .filter((hex): hex is string => hex !== undefined)
    .map((hex) => Buffer.from(hex, 'hex'));
  if (candidates.length === 0) return { ok: false, reason: 'missing-signature' };
  const secrets = typeof params.secret === 'string' ? [params.secret] : params.secret;
  for (const secret of secrets) {
    if (!secret) continue;
    const expected = mac(secret, timestamp, params.body);
    if (candidates.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected))) return { ok: true };
  }
  return { ok: false, reason: 'signature-mismatch' };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
