/**
 * Logging: pino, JSON by default, pretty on a terminal or with --pretty.
 *
 * Secrets are kept out twice over (DESIGN invariant 5): pino's `redact` removes fields whose names
 * say they hold secrets, and every output line passes a scrubber that replaces any registered secret
 * value (the guardian key with and without 0x, webhook urls, ...) wherever it appears — in messages,
 * error stacks or nested objects a redact path would miss.
 */
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

const redactPaths = [
  'privateKey',
  '*.privateKey',
  'key',
  '*.key',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
];

/** Registered secrets, each as a case-insensitive pattern (hex keys appear in any case). */
const secrets = new Map<string, RegExp>();
let patterns: RegExp[] = [];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Registers a value that must never appear in any log line (keys, tokens, secret-bearing urls). */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 8) return;
  const variants = /^0x[0-9a-fA-F]+$/.test(value) ? [value, value.slice(2)] : [value];
  for (const variant of variants) secrets.set(variant.toLowerCase(), new RegExp(escapeRegExp(variant), 'gi'));
  // Longest first, so a url is replaced whole before its key part.
  patterns = [...secrets].sort((a, b) => b[0].length - a[0].length).map(([, pattern]) => pattern);
}

/** Replaces every registered secret in `text` with [REDACTED]. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const pattern of patterns) out = out.replace(pattern, '[REDACTED]');
  return out;
}

/**
 * Registers the parts of a url that may carry credentials: its password, and every path segment or
 * query value that looks like an API key (`/v2/<key>`, `?apikey=<key>`), and then the whole url.
 */
export function registerUrlSecrets(url: string): void {
  try {
    const parsed = new URL(url);
    const parts = [...parsed.pathname.split('/'), ...[...parsed.searchParams.values()]];
    // Looks like an API key: long, letters and digits mixed (`polygon_amoy_testnet` is a name, not a key).
    const credentialBearing = parts.filter((part) => part.length >= 16 && /[0-9]/.test(part) && /[A-Za-z]/.test(part));
    if (parsed.password || credentialBearing.length > 0) registerSecret(url);
    for (const part of credentialBearing) registerSecret(part);
    if (parsed.password) registerSecret(decodeURIComponent(parsed.password));
  } catch {
    // not a url: nothing to register
  }
}

/**
 * Shows an RPC or webhook url without the parts that usually carry credentials
 * (user info, path, query): `https://eth-mainnet.example.com/v2/KEY` → `https://eth-mainnet.example.com/…`,
 * `redis://:pass@host:6379` → `redis://***@host:6379`.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const credentials = parsed.username || parsed.password ? '***@' : '';
    const rest = (parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search ? '/…' : '';
    return `${parsed.protocol}//${credentials}${parsed.host}${rest}`;
  } catch {
    return '[unparseable url]';
  }
}

function scrubbingStream(target: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      target.write(scrubSecrets(chunk.toString()));
      callback();
    },
  });
}

export interface CreateLoggerParameters {
  level?: string;
  /** Human-readable output; defaults to true when stdout is a terminal. */
  pretty?: boolean;
  /** Where lines go; default stdout. Tests pass a buffer stream to inspect every line. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(params: CreateLoggerParameters = {}): Logger {
  const destination = params.destination ?? process.stdout;
  const wantPretty = params.pretty ?? Boolean((destination as { isTTY?: boolean }).isTTY);
  const options = {
    level: params.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: redactPaths, censor: '[REDACTED]' },
    base: undefined,
  };
  if (wantPretty) {
    const prettyStream = pretty({ colorize: Boolean((destination as { isTTY?: boolean }).isTTY), destination: scrubbingStream(destination), sync: true, ignore: 'pid,hostname' });
    return pino(options, prettyStream);
  }
  return pino(options, scrubbingStream(destination));
}
