/**
 * Secrets from the input never reach the output. Every secret-bearing value (an RPC url with a key,
 * any webhook url) becomes a `${NAME}` placeholder, recorded in the report with what to set it to —
 * described by scheme and host only (`redactUrl`), never by the value.
 */
import { redactUrl } from '../../log.js';
import type { OzSecretValue } from './input.js';
import type { ImportReport } from './report.js';

export type SecretSource =
  | { kind: 'plain'; value: string }
  /** OZ Monitor read it from this environment variable: the config reads the same one. */
  | { kind: 'environment'; variable: string }
  | { kind: 'vault'; secretName: string }
  | { kind: 'unknown'; type: string };

/** What an OZ Monitor secret value is (types compared ignoring case: `Plain`, `plain`, …). */
export function readSecret(value: OzSecretValue): SecretSource {
  if (typeof value === 'string') return { kind: 'plain', value };
  const type = value.type.toLowerCase();
  if (type === 'plain') return { kind: 'plain', value: value.value };
  if (type === 'environment') return { kind: 'environment', variable: value.value };
  if (type === 'hashicorpcloudvault') return { kind: 'vault', secretName: value.value };
  return { kind: 'unknown', type: value.type };
}

/**
 * True when a url carries credentials: a password, or a path segment or query value that looks like
 * an API key (long, letters and digits mixed) — the same rule the log scrubber uses (log.ts).
 */
export function urlCarriesCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    const parts = [...parsed.pathname.split('/'), ...parsed.searchParams.values()];
    return Boolean(parsed.password || parsed.username) || parts.some((part) => part.length >= 16 && /[0-9]/.test(part) && /[A-Za-z]/.test(part));
  } catch {
    return true; // not a url we can read: treat it as secret rather than copy it
  }
}

/** `ethereum_mainnet`, `rpc url` → `ETHEREUM_MAINNET_RPC_URL`. */
export function envName(...parts: string[]): string {
  const name = parts
    .join('_')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[A-Z_]/.test(name) ? name : `OZ_${name}`;
}

/** How a url looks in the report: scheme and host, never path, query or credentials. */
export function describeUrl(url: string): string {
  return redactUrl(url);
}

export interface EnvRegistry {
  /**
   * The placeholder for a secret, recorded in the report. The same name asked again for the same
   * purpose is shared (two triggers reading one OZ variable); for another purpose it gets a suffix.
   */
  placeholder(params: { name: string; holds: string; usedAt: string }): string;
}

const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function createEnvRegistry(report: ImportReport): EnvRegistry {
  return {
    placeholder({ name, holds, usedAt }) {
      let candidate = variableName.test(name) ? name : envName(name);
      for (let suffix = 2; ; suffix += 1) {
        const existing = report.environment.find((variable) => variable.name === candidate);
        if (!existing) {
          report.environment.push({ name: candidate, holds, usedAt });
          break;
        }
        if (existing.holds === holds) {
          existing.usedAt = `${existing.usedAt}, ${usedAt}`;
          break;
        }
        candidate = `${variableName.test(name) ? name : envName(name)}_${suffix}`;
      }
      return `\${${candidate}}`;
    },
  };
}
