import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFunctionData, getAddress, type Abi, type AbiParameter } from 'viem';
import { encodeExecTransactionWithRole, roleKeyFromConfig, rolesAbi } from './roles.js';

/**
 * The Roles v2 ABI shipped in @gnosis.pm/zodiac. The package's index pulls in ethers (and its ESM build
 * does not load under Node), so the typechain factory file is required directly, found next to the CJS
 * entry point the package exports.
 */
function zodiacRolesV2Abi(): Abi {
  const require = createRequire(import.meta.url);
  const cjsIndex = require.resolve('@gnosis.pm/zodiac');
  const factory = require(join(dirname(cjsIndex), 'types', 'factories', 'RolesV2__factory.js')) as { RolesV2__factory: { abi: Abi } };
  return factory.RolesV2__factory.abi;
}

/** kind name(input types and names) mutability returns (output types). */
function describeItem(item: Abi[number]): string {
  const params = (list: readonly AbiParameter[] = []) => list.map((p) => `${p.type} ${p.name ?? ''}`.trim()).join(', ');
  if (item.type === 'function') return `function ${item.name}(${params(item.inputs)}) ${item.stateMutability} returns (${item.outputs.map((o) => o.type).join(', ')})`;
  if (item.type === 'error' || item.type === 'event') return `${item.type} ${item.name}(${params(item.inputs)})`;
  return item.type;
}

describe('rolesAbi', () => {
  it('has every item exactly as in the Roles v2 ABI from @gnosis.pm/zodiac', () => {
    const packaged = new Set(zodiacRolesV2Abi().map(describeItem));
    expect(packaged.size).toBeGreaterThan(50);
    for (const item of rolesAbi) expect(packaged).toContain(describeItem(item));
  });
});

describe('encodeExecTransactionWithRole', () => {
  const to = getAddress(`0x${'ab'.repeat(20)}`);
  const roleKey = roleKeyFromConfig('PAUSER');

  it('encodes a zero-value call with the role key, reverting on failure by default', () => {
    const { functionName, args } = decodeFunctionData({ abi: rolesAbi, data: encodeExecTransactionWithRole({ to, data: '0x8456cb59', roleKey }) });
    expect(functionName).toBe('execTransactionWithRole');
    expect(args).toEqual([to, 0n, '0x8456cb59', 0, roleKey, true]);
  });

  it('passes shouldRevert = false through', () => {
    const { args } = decodeFunctionData({ abi: rolesAbi, data: encodeExecTransactionWithRole({ to, data: '0x8456cb59', roleKey, shouldRevert: false }) });
    expect(args?.[5]).toBe(false);
  });
});

describe('roleKeyFromConfig', () => {
  it('encodes a role name as its UTF-8 bytes right-padded to 32 bytes (encodeBytes32String)', () => {
    expect(roleKeyFromConfig('PAUSER')).toBe(`0x504155534552${'0'.repeat(52)}`);
    expect(roleKeyFromConfig('é')).toBe(`0xc3a9${'0'.repeat(60)}`);
    expect(roleKeyFromConfig('a'.repeat(31))).toBe(`0x${'61'.repeat(31)}00`);
  });

  it('takes a 0x-prefixed 32-byte key as is', () => {
    const key = `0x${'Ab'.repeat(32)}`;
    expect(roleKeyFromConfig(key)).toBe(key.toLowerCase());
  });

  it('rejects names over 31 bytes, malformed hex keys and the empty string with a clear message', () => {
    expect(() => roleKeyFromConfig('a'.repeat(32))).toThrow(/32 bytes long; a role name must fit in 31 bytes/);
    expect(() => roleKeyFromConfig('é'.repeat(16))).toThrow(/32 bytes long/);
    expect(() => roleKeyFromConfig('0x1234')).toThrow(/not 32 bytes of hex/);
    expect(() => roleKeyFromConfig(`0x${'zz'.repeat(32)}`)).toThrow(/not 32 bytes of hex/);
    expect(() => roleKeyFromConfig('')).toThrow(/empty/);
  });
});
