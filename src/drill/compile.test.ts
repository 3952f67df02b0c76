import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Abi, AbiParameter } from 'viem';
import { demoTokenAbi, demoVaultAbi } from './abis.js';
import { compileContracts } from './compile.js';

/** A comparable one-line form of an ABI item: kind, name, parameter types, names, `indexed`, mutability, outputs. */
function describeItem(item: Abi[number]): string {
  const params = (list: readonly AbiParameter[] = []) =>
    list.map((p) => [p.type, 'indexed' in p && p.indexed ? 'indexed' : '', p.name ?? ''].filter(Boolean).join(' ')).join(', ');
  if (item.type === 'function') return `function ${item.name}(${params(item.inputs)}) ${item.stateMutability} returns (${item.outputs.map((o) => o.type).join(', ')})`;
  if (item.type === 'event' || item.type === 'error') return `${item.type} ${item.name}(${params(item.inputs)})`;
  return item.type;
}
const signatures = (abi: Abi) => new Set(abi.map(describeItem));

describe('compileContracts', () => {
  let cacheDir: string;
  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'warden-compile-'));
  });
  afterAll(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('compiles both contracts on the first call and serves the second from the cache', async () => {
    const first = await compileContracts({ cacheDir });
    expect(first.fromCache).toBe(false);
    for (const name of ['DemoToken', 'DemoVault'] as const) {
      expect(first[name].bytecode).toMatch(/^0x[0-9a-f]{2000,}$/);
      expect(first[name].abi.length).toBeGreaterThan(5);
    }
    expect(await readdir(cacheDir)).toEqual([expect.stringMatching(/^contracts-[0-9a-f]{64}\.json$/)]);

    const second = await compileContracts({ cacheDir });
    expect(second.fromCache).toBe(true);
    expect(second.cacheFile).toBe(first.cacheFile);
    expect(second.DemoVault).toEqual(first.DemoVault);
    expect(second.DemoToken).toEqual(first.DemoToken);
  });

  it('recompiles when the cache file is corrupt instead of serving it', async () => {
    const { cacheFile } = await compileContracts({ cacheDir });
    await writeFile(cacheFile, '{"DemoToken": ');
    const again = await compileContracts({ cacheDir });
    expect(again.fromCache).toBe(false);
    expect((await compileContracts({ cacheDir })).fromCache).toBe(true);
  });

  it('has the exact event signatures config/drill.yaml relies on, and every typed ABI item', async () => {
    const { DemoToken, DemoVault } = await compileContracts({ cacheDir });
    const vault = signatures(DemoVault.abi);
    expect(vault).toContain('event Deposit(address indexed account, uint256 amount)');
    expect(vault).toContain('event Withdraw(address indexed account, address indexed to, uint256 amount)');
    for (const item of demoVaultAbi) expect(vault).toContain(describeItem(item));
    const token = signatures(DemoToken.abi);
    for (const item of demoTokenAbi) expect(token).toContain(describeItem(item));
  });
});
