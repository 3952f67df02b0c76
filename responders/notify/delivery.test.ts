import { describe, expect, it } from 'vitest';
import { registerSecret } from '../../src/log.js';
import { deliver, httpAttempt, redactSecrets, retryAfterMs, type AttemptOutcome } from './delivery.js';

const retryable = (extra: Partial<AttemptOutcome> = {}): AttemptOutcome => ({ ok: false, retryable: true, status: 503, error: 'answered HTTP 503', ...extra }) as AttemptOutcome;

function scripted(outcomes: (AttemptOutcome | Error | 'never')[]) {
  let index = 0;
  return () => {
    const next = outcomes[Math.min(index++, outcomes.length - 1)]!;
    if (next === 'never') return new Promise<AttemptOutcome>(() => undefined);
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };
}

describe('deliver', () => {
  it('retries retryable failures until one succeeds', async () => {
    const result = await deliver({ label: 'test channel t', secrets: [], policy: { baseDelayMs: 5 }, attempt: scripted([retryable(), retryable(), { ok: true, status: 200 }]) });
    expect(result).toEqual({ ok: true, attempts: 3, status: 200 });
  });

  it('fails at once on a client error', async () => {
    const result = await deliver({ label: 'test channel t', secrets: [], attempt: scripted([{ ok: false, retryable: false, status: 404, error: 'answered HTTP 404' }]) });
    expect(result).toEqual({ ok: false, attempts: 1, status: 404, error: 'test channel t: answered HTTP 404' });
  });

  it('waits the vendor\'s Retry-After instead of its own backoff', async () => {
    // The backoff (10 s) would pass the 2 s bound; only the 20 ms Retry-After allows the second attempt.
    const result = await deliver({ label: 't', secrets: [], policy: { baseDelayMs: 10_000, totalTimeoutMs: 2_000 }, attempt: scripted([retryable({ status: 429, retryAfterMs: 20 }), { ok: true, status: 200 }]) });
    expect(result).toMatchObject({ ok: true, attempts: 2 });
  });

  it('gives up at once when Retry-After is past the bound, and says so', async () => {
    const result = await deliver({ label: 't', secrets: [], policy: { totalTimeoutMs: 2_000 }, attempt: scripted([retryable({ status: 429, error: 'answered HTTP 429', retryAfterMs: 60_000 })]) });
    expect(result).toEqual({ ok: false, attempts: 1, status: 429, error: 't: answered HTTP 429 (asked to retry after 60 s, past the 2000 ms bound)' });
  });

  it('stops after maxAttempts, describing network errors by kind only', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED http://host/secret-path'), { code: 'ECONNREFUSED' }) });
    const result = await deliver({ label: 't', secrets: [], policy: { maxAttempts: 2, baseDelayMs: 5 }, attempt: scripted([refused]) });
    expect(result).toEqual({ ok: false, attempts: 2, error: 't: connection error ECONNREFUSED; gave up after 2 attempts' });
  });

  it('ends an attempt that ignores its own timeout', async () => {
    const result = await deliver({ label: 't', secrets: [], policy: { attemptTimeoutMs: 50, totalTimeoutMs: 100, maxAttempts: 1 }, attempt: scripted(['never']) });
    expect(result).toEqual({ ok: false, attempts: 1, error: 't: no answer within 50 ms' });
  });
});

describe('redactSecrets', () => {
  it('removes the channel\'s secrets as is and url-encoded, registered secrets, and url paths', () => {
    registerSecret('registered-secret-value-0123');
    const text = 'token abc/def+ghi=0123456789 or abc%2Fdef%2Bghi%3D0123456789, registered-secret-value-0123, at https://hooks.example.com/services/T/B/xyz';
    expect(redactSecrets(text, ['abc/def+ghi=0123456789'])).toBe('token [REDACTED] or [REDACTED], [REDACTED], at https://hooks.example.com/…');
  });
});

describe('httpAttempt', () => {
  const respond = (status: number, body: string, headers: Record<string, string> = {}) => (async () => new Response(body, { status, headers })) as unknown as typeof fetch;

  it('reads the wait from Retry-After (seconds or HTTP date), else from the vendor body', async () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs('0.5')).toBe(500);
    expect(retryAfterMs(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(10_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    const fromBody = (body: string) => (JSON.parse(body) as { retry_after: number }).retry_after * 1000;
    expect(await httpAttempt({ url: 'http://x', init: {}, timeoutMs: 100, fetch: respond(429, '{"retry_after": 0.25}'), retryAfterFromBody: fromBody })).toMatchObject({ retryable: true, retryAfterMs: 250 });
    expect(await httpAttempt({ url: 'http://x', init: {}, timeoutMs: 100, fetch: respond(429, '{"retry_after": 0.25}', { 'retry-after': '2' }), retryAfterFromBody: fromBody })).toMatchObject({ retryAfterMs: 2000 });
  });

  it('classifies: 2xx ok; 408, 429 and 5xx retryable; other 4xx final, with the vendor\'s reason', async () => {
    expect(await httpAttempt({ url: 'http://x', init: {}, timeoutMs: 100, fetch: respond(202, '{}') })).toEqual({ ok: true, status: 202 });
    for (const status of [408, 429, 500, 503]) expect((await httpAttempt({ url: 'http://x', init: {}, timeoutMs: 100, fetch: respond(status, '') })) as { retryable: boolean }).toMatchObject({ retryable: true });
    expect(await httpAttempt({ url: 'http://x', init: {}, timeoutMs: 100, fetch: respond(400, '{"message":"Invalid Form Body","code":50035}') })).toEqual({
      ok: false,
      retryable: false,
      status: 400,
      error: 'answered HTTP 400: Invalid Form Body',
    });
  });
});
