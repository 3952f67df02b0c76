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

const secrets = new Set<string>();

/** Registers a value that must never appear in any log line (keys, tokens, secret-bearing urls). */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 8) return;
  secrets.add(value);
  if (/^0x[0-9a-fA-F]+$/.test(value)) secrets.add(value.slice(2));
}

/** Replaces every registered secret in `text` with [REDACTED]. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
    const lower = secret.toLowerCase();
    if (lower !== secret && out.toLowerCase().includes(lower)) {
      out = out.replace(new RegExp(lower.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), '[REDACTED]');
    }
  }
  return out;
}

/**
 * Shows an RPC or webhook url without the parts that usually carry credentials
 * (user info, path, query): `https://eth-mainnet.example.com/v2/KEY` → `https://eth-mainnet.example.com/…`.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const hidden = parsed.username || parsed.password || (parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search;
    return `${parsed.protocol}//${parsed.host}${hidden ? '/…' : ''}`;
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
