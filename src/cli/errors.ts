/**
 * Errors as the command line shows them: one line, no stack, no secrets.
 */
import { redactUrl } from '../log.js';

/** A failure the user can fix; main.ts prints its message alone and exits 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Errors whose message is written for people (path-qualified, naming the fix): shown without a stack. */
export const userFacingErrors = new Set(['CliError', 'ConfigError', 'RedisUnavailableError', 'GuardianKeyError', 'DemoDeployError']);

const urlPattern = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>)]+/gi;

/** Replaces every url in `text` by its redacted form. */
export function redactUrlsIn(text: string): string {
  return text.replace(urlPattern, (url) => redactUrl(url.replace(/[.,;:]+$/, '')) + (url.match(/[.,;:]+$/)?.[0] ?? ''));
}

interface ErrorLike {
  name?: string;
  message?: string;
  shortMessage?: string;
  details?: string;
  code?: string | number;
  cause?: unknown;
}

/**
 * One line for a failed request: viem's short message (never its full message, which quotes the RPC
 * url and the request body) plus the deepest system error code (ECONNREFUSED, ENOTFOUND, ...), with
 * every url redacted. At most 300 characters.
 */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return redactUrlsIn(String(error)).split('\n')[0]!.slice(0, 300);
  const top = error as ErrorLike;
  let text = (top.shortMessage ?? top.message ?? String(error)).split('\n')[0]!.trim();
  const details = top.details?.split('\n')[0]?.trim();
  // viem's generic wrapper says nothing the details do not: keep just the details.
  if (details && /^An unknown RPC error occurred/.test(text)) text = details;
  else if (details && !text.includes(details)) text = `${text.replace(/\.$/, '')}: ${details}`;
  let code: string | undefined;
  for (let cause: unknown = error, depth = 0; cause && depth < 8; depth++) {
    const candidate = (cause as ErrorLike).code;
    if (typeof candidate === 'string' && /^E[A-Z_]+$/.test(candidate)) code = candidate;
    cause = (cause as ErrorLike).cause;
  }
  if (code && !text.includes(code)) text = `${text.replace(/\.$/, '')} (${code})`;
  return redactUrlsIn(text).slice(0, 300);
}
