/**
 * Delivery with retries, shared by every channel: each attempt is bounded by `attemptTimeoutMs`,
 * the whole send by `totalTimeoutMs`; 408, 429, 5xx, timeouts and network errors are retried with
 * exponential backoff or after the vendor's Retry-After; anything else fails at once. Never throws.
 *
 * Every error line passes `redact`: the channel's own secrets (webhook urls, tokens, keys, also
 * url-encoded), every registered secret (src/log.ts) and every url (shown as scheme://host/…) are
 * removed, so the line can go to the incident timeline and the logs as is.
 */
import { backoffMs, sleep } from '../../src/chain/retry.js';
import { redactUrlsIn } from '../../src/errors.js';
import { scrubSecrets } from '../../src/log.js';
import type { SendResult } from './types.js';

export interface DeliveryPolicy {
  /** One attempt (connect, send, answer). Default 5000 ms. */
  attemptTimeoutMs?: number;
  /** The whole send, retries and waits included; no attempt starts after it. Default 30000 ms. */
  totalTimeoutMs?: number;
  /** Attempts in total. Default 5. */
  maxAttempts?: number;
  /** First backoff, doubled per retry, capped at 5 s. Default 250 ms. */
  baseDelayMs?: number;
}

export type AttemptOutcome =
  | { ok: true; status?: number }
  | { ok: false; retryable: boolean; error: string; status?: number; retryAfterMs?: number };

export interface DeliverParameters {
  /** Names the channel in error lines, e.g. "slack channel oncall". */
  label: string;
  /** Values that must never appear in the error line. */
  secrets: readonly string[];
  policy?: DeliveryPolicy;
  /** Makes one attempt within `timeoutMs`; may throw (a network error: retried). */
  attempt(timeoutMs: number): Promise<AttemptOutcome>;
}

export async function deliver(params: DeliverParameters): Promise<SendResult> {
  const attemptTimeoutMs = params.policy?.attemptTimeoutMs ?? 5_000;
  const totalTimeoutMs = params.policy?.totalTimeoutMs ?? 30_000;
  const maxAttempts = params.policy?.maxAttempts ?? 5;
  const baseDelayMs = params.policy?.baseDelayMs ?? 250;
  const deadline = Date.now() + totalTimeoutMs;
  const redact = (text: string) => redactSecrets(text, params.secrets);
  let error = 'not sent';
  let status: number | undefined;
  let attempts = 0;
  while (attempts < maxAttempts) {
    const remaining = deadline - Date.now();
    // An attempt with almost no time left could not succeed: not starting it is more honest.
    if (remaining < Math.min(attemptTimeoutMs, 250)) break;
    const timeoutMs = Math.min(attemptTimeoutMs, remaining);
    attempts++;
    let outcome: AttemptOutcome;
    try {
      outcome = await withTimeout(params.attempt(timeoutMs), timeoutMs + 1_000);
    } catch (caught) {
      outcome = { ok: false, retryable: true, error: describeTransportError(caught, timeoutMs) };
    }
    if (outcome.status !== undefined) status = outcome.status;
    if (outcome.ok) return { ok: true, attempts, ...(status !== undefined ? { status } : {}) };
    error = `${params.label}: ${outcome.error}`;
    if (!outcome.retryable || attempts >= maxAttempts) break;
    const waitMs = outcome.retryAfterMs ?? backoffMs(attempts - 1, baseDelayMs, 5_000);
    if (Date.now() + waitMs >= deadline) {
      // The vendor asked for a wait longer than the bound allows: say so, it explains the give-up.
      if (outcome.retryAfterMs !== undefined) error += ` (asked to retry after ${formatMs(waitMs)}, past the ${formatMs(totalTimeoutMs)} bound)`;
      break;
    }
    await sleep(waitMs);
  }
  const summary = attempts > 1 ? `${error}; gave up after ${attempts} attempts` : error;
  return { ok: false, attempts, ...(status !== undefined ? { status } : {}), error: redact(summary).slice(0, 500) };
}

function formatMs(ms: number): string {
  return ms < 10_000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

/** Removes the channel's secrets (as is and url-encoded), registered secrets and urls from `text`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  const variants = secrets.filter((secret) => secret.length >= 4).flatMap((secret) => [secret, encodeURIComponent(secret), encodeURI(secret)]);
  for (const variant of [...new Set(variants)].sort((a, b) => b.length - a.length)) out = out.split(variant).join('[REDACTED]');
  return scrubSecrets(redactUrlsIn(out));
}

/** The kind of failure only: fetch's messages and causes may quote the url. */
export function describeTransportError(error: unknown, timeoutMs: number): string {
  const name = (error as Error)?.name;
  if (name === 'TimeoutError' || name === 'AbortError' || (error as Error)?.message === 'attempt timed out') return `no answer within ${timeoutMs} ms`;
  for (let cause: unknown = error, depth = 0; cause && typeof cause === 'object' && depth < 6; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return `connection error ${code}`;
    cause = (cause as { cause?: unknown }).cause;
  }
  return 'network error';
}

/** A safety net: an attempt that ignores its own timeout still ends. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('attempt timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Retry-After as ms: delta-seconds or an HTTP date (RFC 9110). */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(header)) return Math.round(Number(header) * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface HttpAttemptParameters {
  fetch?: typeof fetch;
  url: string;
  init: RequestInit;
  timeoutMs: number;
  /** Status codes that mean success. Default: any 2xx. */
  accept?: (status: number, body: string) => boolean;
  /** A short, secret-free reason from the vendor's error body (e.g. Slack's "invalid_blocks"). */
  describeBody?: (body: string) => string | undefined;
  /** Vendor-specific wait from the body (Discord, Telegram); the Retry-After header wins. */
  retryAfterFromBody?: (body: string) => number | undefined;
}

/** One HTTP attempt, classified for `deliver`. */
export async function httpAttempt(params: HttpAttemptParameters): Promise<AttemptOutcome> {
  const response = await (params.fetch ?? fetch)(params.url, { ...params.init, signal: AbortSignal.timeout(params.timeoutMs) });
  const body = await response.text();
  const accepted = params.accept ? params.accept(response.status, body) : response.status >= 200 && response.status < 300;
  if (accepted) return { ok: true, status: response.status };
  const reason = (params.describeBody ?? describeJsonBody)(body);
  const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
  const wait = retryAfterMs(response.headers.get('retry-after')) ?? params.retryAfterFromBody?.(body);
  return {
    ok: false,
    retryable,
    status: response.status,
    error: `answered HTTP ${response.status}${reason ? `: ${oneLine(reason)}` : ''}`,
    ...(wait !== undefined ? { retryAfterMs: wait } : {}),
  };
}

/** `message`, `description` or `errors` of a JSON error body, or the first line of a text body. */
export function describeJsonBody(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const parts = [parsed.description, parsed.message, parsed.error, parsed.errors].filter((part) => part !== undefined && part !== null);
    return parts.length > 0 ? parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' ') : undefined;
  } catch {
    return body.trim() ? body : undefined;
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}
