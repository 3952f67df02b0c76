import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resolveContracts } from '../src/config/contracts.js';
import { ConfigError } from '../src/config/errors.js';
import { detectorSchema, type ContractConfig } from '../src/config/schema.js';
import { createDetectors, detectorKinds } from './index.js';
import { addresses } from './test-helpers.js';

const contractConfigs: ContractConfig[] = [
  { name: 'vault', chain: 31337, address: addresses.vault, abi: ['event Withdraw(address indexed user, uint256 amount)', 'function withdraw(uint256)'] },
  { name: 'token', chain: 31337, address: addresses.token, abi: ['function balanceOf(address) view returns (uint256)'] },
  { name: 'bridge', chain: 10, address: addresses.proxy, abi: ['event Withdraw(address indexed user, uint256 amount)'] },
];
const contracts = resolveContracts({ contracts: contractConfigs });

const good = [
  { id: 'big-withdraw', kind: 'event', severity: 'high', params: { contracts: ['vault'], event: 'Withdraw', where: 'amount >= 1_000e18' } },
  { id: 'drain', kind: 'balance-drop', severity: 'critical', params: { contract: 'vault', token: 'token', dropPercent: 10 } },
  { id: 'admin', kind: 'admin-change', severity: 'medium', params: { contracts: ['vault'] } },
  { id: 'bridge-withdraw', kind: 'event', severity: 'low', params: { contracts: ['bridge'], event: 'Withdraw' } },
];

function build(entries: unknown[]) {
  const detectors = z.array(detectorSchema).parse(entries);
  return createDetectors({ config: { detectors }, contracts, guardianAddresses: [addresses.guardian] });
}

function issuesOf(entries: unknown[]): string[] {
  try {
    build(entries);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  throw new Error('expected a ConfigError');
}

describe('createDetectors', () => {
  it('builds every enabled detector on the chain of its contracts', () => {
    const detectors = build([...good, { ...good[0], id: 'off', enabled: false, params: { contracts: ['nope'], event: 'X' } }]);
    expect(detectors.map((d) => [d.id, d.kind, d.severity, d.chainId])).toEqual([
      ['big-withdraw', 'event', 'high', 31337],
      ['drain', 'balance-drop', 'critical', 31337],
      ['admin', 'admin-change', 'medium', 31337],
      ['bridge-withdraw', 'event', 'low', 10],
    ]);
  });

  it('carries a detector\'s observe mode (default act)', () => {
    const detectors = build([{ ...good[0], mode: 'observe' }, good[1]]);
    expect(detectors.map((d) => [d.id, d.mode ?? 'act'])).toEqual([
      ['big-withdraw', 'observe'],
      ['drain', 'act'],
    ]);
  });

  it.each([
    [
      'unknown contract',
      { ...good[0], params: { contracts: ['vault', 'vualt'], event: 'Withdraw' } },
      ['detectors[0].params.contracts[1]: unknown contract "vualt"; contracts are: vault, token, bridge'],
    ],
    [
      'unknown event',
      { ...good[0], params: { contracts: ['vault'], event: 'Withdrawn' } },
      ['detectors[0].params.event: no event "Withdrawn" in the ABI of contract "vault"; it has: Withdraw'],
    ],
    [
      'bad where, with its column',
      { ...good[0], params: { contracts: ['vault'], event: 'Withdraw', where: 'amount > 5 and amout > 1' } },
      ['detectors[0].params.where: column 16: unknown name "amout"; Withdraw has: user, amount'],
    ],
    [
      'where comparing an address with a number',
      { ...good[0], params: { contracts: ['vault'], event: 'Withdraw', where: 'user >= 5' } },
      ['detectors[0].params.where: column 6: ">=" needs a number on both sides, got an address on the left'],
    ],
    [
      'mixed chains',
      { ...good[0], params: { contracts: ['vault', 'bridge'], event: 'Withdraw' } },
      [
        'detectors[0].params.contracts: contracts are on different chains (vault: 31337, bridge: 10); a detector watches one chain, so split it into one detector per chain',
      ],
    ],
    [
      'balance-drop on an unknown holder',
      { ...good[1], params: { contract: 'vaul', dropPercent: 5 } },
      ['detectors[0].params.contract: unknown contract "vaul"; contracts are: vault, token, bridge'],
    ],
    [
      'balance-drop token on another chain',
      { ...good[1], params: { contract: 'bridge', token: 'token', dropPercent: 5 } },
      [
        'detectors[0].params.token: contracts are on different chains (bridge: 10, token: 31337); a detector watches one chain, so split it into one detector per chain',
      ],
    ],
    [
      'balance-drop token without balanceOf',
      { ...good[1], params: { contract: 'token', token: 'vault', dropPercent: 5 } },
      [
        'detectors[0].params.token: contract "vault" has no "function balanceOf(address) view returns (uint256)" in its ABI; is it an ERC20? (omit token to watch the ETH balance)',
      ],
    ],
    [
      'admin-change on an unknown contract',
      { ...good[2], params: { contracts: ['proxy'] } },
      ['detectors[0].params.contracts[0]: unknown contract "proxy"; contracts are: vault, token, bridge'],
    ],
  ])('%s', (_name, entry, expected) => {
    expect(issuesOf([entry])).toEqual(expected);
  });

  it('lists every issue of every detector in one error, with its index', () => {
    const issues = issuesOf([
      good[0],
      { ...good[0], id: 'two', params: { contracts: ['vault'], event: 'Withdraw', where: '(amount > 1' } },
      { ...good[2], id: 'big-withdraw', params: { contracts: ['nope'] } },
    ]);
    expect(issues).toEqual([
      'detectors[1].params.where: column 12: expected ")" to close "(" at column 1, got the end of the condition',
      'detectors[2].id: duplicate detector id "big-withdraw" (also detectors[0]); ids must be unique',
      'detectors[2].params.contracts[0]: unknown contract "nope"; contracts are: vault, token, bridge',
    ]);
  });

  it('the error message shows each path', () => {
    expect(() => build([{ ...good[0], params: { contracts: ['vault'], event: 'Withdraw', where: 'amout > 1' } }])).toThrow(
      'detectors[0].params.where: column 1: unknown name "amout"; Withdraw has: user, amount',
    );
  });

  it('exports the kinds for docs, matching the config schema', () => {
    expect(detectorKinds.map((k) => k.kind).sort()).toEqual(detectorSchema.options.map((option) => option.shape.kind.value).sort());
  });
});
