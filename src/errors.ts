/**
 * Error texts that are safe to log, to store in Redis (BullMQ keeps `failedReason` and `stacktrace` for
 * 30 days), to put in an incident record or to print (DESIGN invariant 5). One helper for all of them.
 *
 * viem's full messages quote the request body and the RPC url, which often carries an API key in its
 * path or query (`URL: https://host/v2/KEY`). Only a first line is ever kept, preferring viem's
 * `details` (the node's own words) and `shortMessage`; whatever follows `URL:` or `Request body:` is
 * dropped, other urls are shown as scheme and host only, and the deepest system error code
 * (ECONNREFUSED, ENOTFOUND, …) is added because it usually says what to fix.
 */
import { redactUrl, scrubSecrets } from './log.js';

/** The first line of an error's message (or of `String(error)`), as is. */
export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

const urlPattern = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>)]+/gi;
/** Labels viem puts before a url or a request body; whatever follows them on the line is dropped. */
const secretBearingLabel = /\b(?:URL|Request body|Request Arguments|Raw Call Arguments):.*$/i;

interface ErrorLike {
  name?: string;
  message?: string;
  shortMessage?: string;
  details?: string;
  code?: string | number;
  reason?: string;
  type?: string;
  cause?: unknown;
}

/** Replaces every url in `text` by its redacted form (scheme and host). */
export function redactUrlsIn(text: string): string {
  return text.replace(urlPattern, (url) => redactUrl(url.replace(/[.,;:]+$/, '')) + (url.match(/[.,;:]+$/)?.[0] ?? ''));
}

/**
 * One short line describing `error` without secrets.
 * @example describeError(httpRequestError) // "fetch failed (ECONNREFUSED)" — not "… URL: https://host/v2/KEY …"
 */
export function describeError(error: unknown, maxLength = 300): string {
  // Cut first: error texts can be huge (HTTP bodies, revert strings) and no regex should see more.
  let text = (mainText(error).split('\n', 1)[0] ?? '').slice(0, maxLength * 2);
  text = text.replace(secretBearingLabel, '').trim();
  const code = systemCode(error);
  if (code && !text.includes(code)) text = `${text.replace(/\.$/, '')} (${code})`;
  // Registered secrets (keys, url credentials) are removed here too: this text also goes to Redis.
  return scrubSecrets(redactUrlsIn(text || (error instanceof Error ? error.name : 'unknown error'))).slice(0, maxLength);
}

function mainText(error: unknown): string {
  if (error === null || typeof error !== 'object') return String(error);
  const e = error as ErrorLike;
  const short = e.shortMessage?.split('\n')[0]?.trim();
  const details = e.details?.split('\n')[0]?.trim();
  if (short && details) {
    // viem's generic wrapper says nothing the details do not: keep just the details.
    if (/^An unknown RPC error occurred/.test(short)) return details;
    return short.includes(details) ? short : `${short.replace(/\.$/, '')}: ${details}`;
  }
  if (short || details) return (short || details)!;
  if (e.message) return e.message;
  // Socket events (close, error) are objects without a message.
  if (e.reason || e.code !== undefined) return [e.type ?? 'socket closed', e.code !== undefined ? `code ${e.code}` : '', e.reason ?? ''].filter(Boolean).join(' ');
  return e.type ?? (error instanceof Error ? error.name : 'unknown error');
}

function systemCode(error: unknown): string | undefined {
  let code: string | undefined;
  for (let cause: unknown = error, depth = 0; cause && typeof cause === 'object' && depth < 8; depth++) {
    const candidate = (cause as ErrorLike).code;
    if (typeof candidate === 'string' && /^E[A-Z_]+$/.test(candidate)) code = candidate;
    cause = (cause as ErrorLike).cause;
  }
  return code;
}
