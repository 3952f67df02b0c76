import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { parseAbi } from 'viem';
import type { ResolvedContract } from '../src/config/contracts.js';
import { ConfigError } from '../src/config/errors.js';
import { createRedisDetectorState } from '../src/chain/detector-state.js';
import { startRedisServer, type ManagedProcess } from '../src/drill/processes.js';
import { createBalanceDropDetector, windowStateKey, type BalanceDropDetectorParameters, type BalanceEntry } from './balance-drop.js';
import { addresses, blockHash, context } from './test-helpers.js';
import type { DetectorState, Finding, ReadResult } from './types.js';

let server: ManagedProcess;
let redis: Redis;
let testNumber = 0;
let state: DetectorState;

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url, { lazyConnect: false });
});

afterAll(async () => {
  await redis?.quit();
  await server?.stop();
});

beforeEach(() => {
  testNumber += 1;
  state = createRedisDetectorState({ redis, keyPrefix: `t${testNumber}`, chainId: 31337, detectorId: 'drop' });
});

const vault: ResolvedContract = { name: 'vault', chainId: 31337, address: addresses.vault, protocol: 'demo', abi: parseAbi(['function withdraw(uint256)']) };
const token: ResolvedContract = {
  name: 'DEMO',
  chainId: 31337,
  address: addresses.token,
  protocol: 'demo',
  abi: parseAbi(['function balanceOf(address owner) view returns (uint256)', 'function transfer(address to, uint256 value) returns (bool)']),
};
const e18 = 10n ** 18n;

function detector(overrides: Partial<BalanceDropDetectorParameters> = {}) {
  return createBalanceDropDetector({ id: 'drop', severity: 'critical', chainId: 31337, holder: vault, token, dropPercent: 20, windowBlocks: 10, ...overrides });
}

const ok = (value: bigint): ReadResult => ({ ok: true, value });

/** Feeds balances to consecutive blocks from `start`; returns the block numbers that raised. */
async function feed(built: ReturnType<typeof detector>, balances: (bigint | 'fail')[], start = 1, branch = 'a'): Promise<number[]> {
  const raised: number[] = [];
  for (const [offset, balance] of balances.entries()) {
    const number = start + offset;
    const reads = balance === 'fail' ? { balance: { ok: false, error: 'execution reverted' } as ReadResult } : { balance: ok(balance) };
    const findings = await built.onBlock(context({ number, branch, reads }), state);
    if (findings.length > 0) raised.push(number);
  }
  return raised;
}

describe('balance-drop detector', () => {
  it('declares one ERC20 balanceOf read, or an ETH balance read without a token', () => {
    const reads = detector().reads!(context({ number: 1 }).block);
    expect(reads).toEqual([expect.objectContaining({ key: 'balance', type: 'call', address: addresses.token, functionName: 'balanceOf', args: [addresses.vault] })]);
    expect(detector({ token: undefined }).reads!(context({ number: 1 }).block)).toEqual([{ key: 'balance', type: 'ethBalance', address: addresses.vault }]);
  });

  it('raises on the block the balance fell past the threshold, with evidence, and not again while it stays low', async () => {
    const built = detector();
    const balances = [1_000_000n * e18, 1_000_000n * e18, 900_000n * e18, 750_000n * e18, 750_000n * e18, 750_000n * e18];
    const raised: Finding[][] = [];
    for (const [i, balance] of balances.entries()) raised.push(await built.onBlock(context({ number: i + 1, reads: { balance: ok(balance) } }), state));
    expect(raised.map((findings) => findings.length)).toEqual([0, 0, 0, 1, 0, 0]);
    const finding = raised[3]![0]!;
    expect(finding.summary).toBe('vault DEMO balance fell 25.00% within 3 blocks: 1e24 → 750e21 (-250e21)');
    expect(finding.evidence).toEqual({
      holder: 'vault',
      holderAddress: addresses.vault,
      token: 'DEMO',
      tokenAddress: addresses.token,
      peak: (1_000_000n * e18).toString(),
      peakBlock: 1,
      previous: (900_000n * e18).toString(),
      current: (750_000n * e18).toString(),
      drop: (250_000n * e18).toString(),
      dropBps: 2500,
      windowBlocks: 10,
      dropPercent: 20,
    });
    expect(finding.addresses).toEqual([addresses.vault, addresses.token]);
    // A further fall on a later block raises again.
    expect(await feed(built, [700_000n * e18], 7)).toEqual([7]);
  });

  it.each([
    ['a 5%-per-block bleed passes 20% of the 10-block peak', { dropPercent: 20, windowBlocks: 10 }, [100n, 95n, 90n, 85n, 80n, 75n, 70n], [6, 7]],
    ['the same bleed never exceeds 20% within 2 blocks', { dropPercent: 20, windowBlocks: 2 }, [100n, 95n, 90n, 85n, 80n, 75n, 70n], []],
    ['exactly 20% is not "more than" 20%', { dropPercent: 20 }, [100n, 80n], []],
    ['fractional percentages are exact', { dropPercent: 0.5 }, [10_000n, 9_951n, 9_949n], [3]],
    ['an absolute amount', { dropPercent: undefined, dropAmount: 30n }, [100n, 80n, 75n, 69n], [4]],
    ['either threshold raises', { dropPercent: 50, dropAmount: 5n }, [100n, 94n], [2]],
    ['100% means drained to zero', { dropPercent: 100 }, [100n, 1n, 0n], [3]],
    ['increases never raise', { dropPercent: 1 }, [100n, 200n, 300n], []],
    ['the window forgets an old peak', { dropPercent: 20, windowBlocks: 2 }, [100n, 100n, 85n, 80n, 75n], []],
    ['a longer window still holds that peak', { dropPercent: 20, windowBlocks: 3 }, [100n, 100n, 85n, 80n, 75n], [5]],
    ['a failed read is skipped, never a false alarm', { dropPercent: 20 }, [100n, 'fail', 'fail', 100n], []],
    ['a failed read does not hide a drop measured across it', { dropPercent: 20 }, [100n, 'fail', 50n], [3]],
    ['a zero peak cannot drop', { dropPercent: 20 }, [0n, 0n], []],
  ] as const)('%s', async (_name, overrides, balances, expected) => {
    expect(await feed(detector(overrides as Partial<BalanceDropDetectorParameters>), [...balances])).toEqual(expected);
  });

  it('keeps the window in Redis: a new detector instance (restart) continues from it', async () => {
    await feed(detector(), [100n, 100n]);
    expect(await feed(detector(), [70n], 3)).toEqual([3]);
    const stored = await state.get<BalanceEntry[]>(windowStateKey);
    expect(stored?.map((entry) => [entry.number, entry.balance])).toEqual([[1, '100'], [2, '100'], [3, '70']]);
  });

  it('stores only the last windowBlocks blocks', async () => {
    await feed(detector({ windowBlocks: 3 }), [1n, 2n, 3n, 4n, 5n, 6n]);
    const stored = await state.get<BalanceEntry[]>(windowStateKey);
    expect(stored?.map((entry) => entry.number)).toEqual([3, 4, 5, 6]);
  });

  it('reprocessing a block overwrites its entry (a replay raises the same finding, not a new state)', async () => {
    const built = detector();
    await feed(built, [100n, 50n]);
    expect(await feed(built, [50n], 2)).toEqual([2]);
    const stored = await state.get<BalanceEntry[]>(windowStateKey);
    expect(stored?.map((entry) => entry.number)).toEqual([1, 2]);
  });

  it('onReorg forgets dropped blocks; the new branch is judged on its own balances', async () => {
    const built = detector();
    expect(await feed(built, [100n, 100n, 10n], 1)).toEqual([3]); // branch a drains at block 3
    await built.onReorg!([blockHash(3, 'a')], state);
    let stored = await state.get<BalanceEntry[]>(windowStateKey);
    expect(stored?.map((entry) => entry.hash)).toEqual([blockHash(1), blockHash(2)]);
    // Branch b replaces block 3 (parent: block 2 of branch a) with no drain, then block 4.
    const b3 = await built.onBlock(context({ number: 3, branch: 'b', parentBranch: 'a', reads: { balance: ok(100n) } }), state);
    const b4 = await built.onBlock(context({ number: 4, branch: 'b', reads: { balance: ok(95n) } }), state);
    expect([b3, b4]).toEqual([[], []]);
    stored = await state.get<BalanceEntry[]>(windowStateKey);
    expect(stored?.map((entry) => [entry.number, entry.hash, entry.balance])).toEqual([
      [1, blockHash(1), '100'],
      [2, blockHash(2), '100'],
      [3, blockHash(3, 'b'), '100'],
      [4, blockHash(4, 'b'), '95'],
    ]);
  });

  it('a parent from another branch (a reorg it was not told about) is not compared against', async () => {
    const built = detector();
    await feed(built, [100n, 100n, 100n], 1, 'a');
    // Block 4 of branch b whose parent is block 3 of branch b: a's block 3 must not count as "previous".
    const findings = await built.onBlock(context({ number: 4, branch: 'b', reads: { balance: ok(10n) } }), state);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.evidence).toMatchObject({ previous: '100', peakBlock: 1 });
    const stored = await state.get<BalanceEntry[]>(windowStateKey);
    expect(stored?.map((entry) => entry.number)).toEqual([1, 2, 4]);
  });

  it('rejects a token contract without balanceOf', () => {
    expect(() => detector({ token: { ...token, name: 'nft', abi: parseAbi(['function ownerOf(uint256) view returns (address)']) } })).toThrow(ConfigError);
    try {
      detector({ token: { ...token, name: 'nft', abi: parseAbi(['function ownerOf(uint256) view returns (address)']) } });
    } catch (error) {
      expect((error as ConfigError).issues[0]?.path).toBe('params.token');
      expect((error as ConfigError).issues[0]?.message).toContain('contract "nft" has no "function balanceOf(address) view returns (uint256)"');
    }
  });

  it('summarises ETH balances without a token', async () => {
    const built = detector({ token: undefined });
    const findings: Finding[] = [];
    for (const [i, balance] of [10n * e18, 5n * e18].entries()) findings.push(...(await built.onBlock(context({ number: i + 1, reads: { balance: ok(balance) } }), state)));
    expect(findings.map((f) => f.summary)).toEqual(['vault ETH balance fell 50.00% within 1 block: 10e18 → 5e18 (-5e18)']);
    expect(findings[0]!.evidence).not.toHaveProperty('tokenAddress');
  });
});
