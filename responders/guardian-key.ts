/**
 * Loads the guardian key from an environment variable or a file (never from the config itself).
 *
 * Guarantee: errors name the variable or the file and what is wrong, but never contain any part of
 * the key material (DESIGN invariant 5). The key stays inside the returned viem LocalAccount.
 *
 * @example
 * const account = loadGuardianAccount({ guardian: config.responders.guardian, env: process.env });
 * account.address; // 0x…
 */
import { readFileSync } from 'node:fs';
import { privateKeyToAccount, type LocalAccount } from 'viem/accounts';
import type { GuardianConfig } from '../src/config/schema.js';
import { registerSecret } from '../src/log.js';

export class GuardianKeyError extends Error {
  override name = 'GuardianKeyError';
}

export interface LoadGuardianAccountParameters {
  /** With `address` (responders.guardian.address), the key must belong to it. */
  guardian: Pick<GuardianConfig, 'privateKeyEnv' | 'privateKeyFile'> & { address?: string };
  env?: NodeJS.ProcessEnv;
  /** Which key this is, for errors. Default `guardian key` (at responders.guardian). */
  label?: { name: string; path: string };
}

export function loadGuardianAccount(params: LoadGuardianAccountParameters): LocalAccount {
  const { guardian } = params;
  const env = params.env ?? process.env;
  const { name, path } = params.label ?? { name: 'guardian key', path: 'responders.guardian' };
  let raw: string | undefined;
  let source: string;
  if (guardian.privateKeyEnv) {
    source = `environment variable ${guardian.privateKeyEnv}`;
    raw = env[guardian.privateKeyEnv];
    if (raw === undefined || raw.trim() === '') {
      throw new GuardianKeyError(`${name}: ${source} is not set (export it, or use ${path}.privateKeyFile)`);
    }
  } else if (guardian.privateKeyFile) {
    source = `file ${guardian.privateKeyFile}`;
    try {
      raw = readFileSync(guardian.privateKeyFile, 'utf8');
    } catch (error) {
      // Only the errno code: a message could quote nothing secret, but keep errors predictable.
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new GuardianKeyError(`${name}: cannot read ${source} (${code})`);
    }
  } else {
    throw new GuardianKeyError(`${name}: set ${path}.privateKeyEnv or privateKeyFile`);
  }
  const hex = raw.trim().replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new GuardianKeyError(
      `${name} in ${source} is not a private key: expected 64 hex characters, with or without 0x (got ${hex.length} characters)`,
    );
  }
  // From here on every log line is scrubbed of the key, however it got there (DESIGN invariant 5).
  registerSecret(`0x${hex}`);
  let account: LocalAccount;
  try {
    account = privateKeyToAccount(`0x${hex}`);
  } catch {
    throw new GuardianKeyError(`${name} in ${source} is not a valid secp256k1 private key`);
  }
  const declared = guardian.address;
  if (declared && declared.toLowerCase() !== account.address.toLowerCase()) {
    throw new GuardianKeyError(`${path}.address is ${declared} but the ${name} in ${source} belongs to ${account.address}: fix the address or the key`);
  }
  return account;
}
