import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { privateKeyToAccount } from 'viem/accounts';
import { GuardianKeyError, loadGuardianAccount } from './guardian-key.js';
import { devKeys } from './test/harness.js';

const expected = privateKeyToAccount(devKeys.guardian).address;
const bare = devKeys.guardian.slice(2);

describe('loadGuardianAccount', () => {
  it('reads the key from an env var, with or without 0x, trimmed', () => {
    for (const value of [devKeys.guardian, bare, `  ${bare}\n`, devKeys.guardian.toUpperCase().replace('0X', '0x')]) {
      expect(loadGuardianAccount({ guardian: { privateKeyEnv: 'GUARDIAN_KEY' }, env: { GUARDIAN_KEY: value } }).address).toBe(expected);
    }
  });

  it('reads the key from a file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'warden-key-')), 'guardian.key');
    writeFileSync(file, `${bare}\n`);
    expect(loadGuardianAccount({ guardian: { privateKeyFile: file } }).address).toBe(expected);
  });

  it('names the source in errors and never includes key material', () => {
    const cases: [Parameters<typeof loadGuardianAccount>[0], RegExp][] = [
      [{ guardian: { privateKeyEnv: 'GUARDIAN_KEY' }, env: {} }, /environment variable GUARDIAN_KEY is not set/],
      [{ guardian: { privateKeyFile: '/nonexistent/guardian.key' } }, /cannot read file \/nonexistent\/guardian.key \(ENOENT\)/],
      [{ guardian: { privateKeyEnv: 'GUARDIAN_KEY' }, env: { GUARDIAN_KEY: `${bare}00` } }, /GUARDIAN_KEY is not a private key: expected 64 hex/],
      [{ guardian: { privateKeyEnv: 'GUARDIAN_KEY' }, env: { GUARDIAN_KEY: `${bare.slice(0, 63)}z` } }, /GUARDIAN_KEY is not a private key/],
      [{ guardian: { privateKeyEnv: 'GUARDIAN_KEY' }, env: { GUARDIAN_KEY: '0'.repeat(64) } }, /GUARDIAN_KEY is not a valid secp256k1 private key/],
    ];
    for (const [params, message] of cases) {
      let error: unknown;
      try {
        loadGuardianAccount(params);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(GuardianKeyError);
      const text = `${(error as Error).message}\n${(error as Error).stack}`;
      expect(text).toMatch(message);
      expect(text).not.toContain(bare.slice(0, 16));
    }
  });
});
