import { describe, expect, it } from 'vitest';
import { encodeFunctionData, parseAbi, type Hex } from 'viem';
import { resolveContracts } from '../src/config/contracts.js';
import { ConfigError } from '../src/config/errors.js';
import { createCallDetector } from './call.js';
import type { BlockTransaction, Finding } from './types.js';
import { addresses, context, txHash } from './test-helpers.js';

const abi = ['function upgradeTo(address newImplementation)', 'function setOracle(address oracle)', 'function deposit(uint256 amount)'];
const contracts = resolveContracts({ contracts: [{ name: 'proxy', chain: 31337, address: addresses.proxy, abi }] });
const proxy = contracts.get('proxy')!;
const proxyAbi = parseAbi(abi);

function tx(params: { from: `0x${string}`; data: Hex; to?: `0x${string}`; status?: 'success' | 'reverted'; n?: number }): BlockTransaction {
  return { hash: txHash(params.n ?? 0), from: params.from, to: params.to ?? addresses.proxy, input: params.data, value: 0n, transactionIndex: params.n ?? 0, ...(params.status ? { status: params.status } : {}) };
}
const upgrade = encodeFunctionData({ abi: proxyAbi, functionName: 'upgradeTo', args: [addresses.attacker] });
const deposit = encodeFunctionData({ abi: proxyAbi, functionName: 'deposit', args: [5n] });

function issues(functions: string[]): string[] {
  try {
    createCallDetector({ id: 'c', severity: 'high', chainId: 31337, contracts: [proxy], functions });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  throw new Error('expected a ConfigError');
}

describe('call detector', () => {
  it('flags a listed function called by a sender outside the allowlist, and nothing else', () => {
    const detector = createCallDetector({ id: 'c', severity: 'high', chainId: 31337, contracts: [proxy], functions: ['upgradeTo', '0x12345678'], allow: [addresses.alice], guardianAddresses: [addresses.guardian] });
    expect(detector.needsTransactions).toBe(true);
    expect(detector.watchedAddresses).toEqual([]);
    const ctx = context({ number: 5 });
    ctx.transactions = [
      tx({ from: addresses.alice, data: upgrade, n: 1 }), // allowed sender
      tx({ from: addresses.guardian, data: upgrade, n: 2 }), // warden itself
      tx({ from: addresses.attacker, data: deposit, n: 3 }), // not a listed function
      tx({ from: addresses.attacker, data: upgrade, to: addresses.vault, n: 4 }), // not a watched contract
      tx({ from: addresses.attacker, data: upgrade, n: 5 }),
      tx({ from: addresses.attacker, data: '0x12345678', n: 6 }),
    ];
    const findings = detector.onBlock(ctx, undefined as never) as Finding[];
    expect(findings.map((f) => f.key)).toEqual([txHash(5), txHash(6)]);
    expect(findings[0]).toMatchObject({
      txHashes: [txHash(5)],
      addresses: [addresses.proxy, addresses.attacker],
      evidence: { contract: 'proxy', function: 'upgradeTo', selector: upgrade.slice(0, 10), from: addresses.attacker, args: [addresses.attacker] },
    });
    expect(findings[0]!.summary).toMatch(/^upgradeTo\(0xBAd0…0Bad\) called on proxy by 0xBAd0…0Bad, not an allowed sender/);
  });

  it('with failed: true flags only reverted calls, and asks for receipts', () => {
    const detector = createCallDetector({ id: 'c', severity: 'high', chainId: 31337, contracts: [proxy], functions: ['upgradeTo(address)'], failed: true });
    expect(detector.needsTransactions).toBe('receipts');
    const ctx = context({ number: 5 });
    ctx.transactions = [tx({ from: addresses.attacker, data: upgrade, status: 'success', n: 1 }), tx({ from: addresses.attacker, data: upgrade, status: 'reverted', n: 2 })];
    const findings = detector.onBlock(ctx, undefined as never) as { key: string; evidence?: Record<string, unknown> }[];
    expect(findings.map((f) => f.key)).toEqual([txHash(2)]);
    expect(findings[0]!.evidence).toMatchObject({ status: 'reverted' });
  });

  it('names a function missing from the ABI and a malformed signature, with what the ABI has', () => {
    expect(issues(['upgradeToo', 'set Oracle(address'])).toEqual([
      'params.functions[0]: no function "upgradeToo" in the ABI of "proxy"; they have: upgradeTo, setOracle, deposit (or give a signature like upgradeToo(address), or a 4-byte selector)',
      'params.functions[1]: "set Oracle(address" is not a function signature; write it like upgradeTo(address), or give the name or a 4-byte selector (0x3659cfe6)',
    ]);
  });
});
