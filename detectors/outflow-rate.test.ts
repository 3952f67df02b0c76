/**
 * The outflow-rate detector on a real anvil (two vaults of one token: deposits, withdrawals, a
 * rebalance between them, then a drain through several transactions) through warden's block
 * processor, plus its window and reorg rules on hand-built blocks against real Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pad, parseAbi, type Address } from 'viem';
import { createRedisDetectorState } from '../src/chain/detector-state.js';
import type { ResolvedContract } from '../src/config/contracts.js';
import { ConfigError } from '../src/config/errors.js';
import { blockRunner, buildDetectors, startWorld, type World } from './fixtures/world.js';
import { createOutflowRateDetector, flowsStateKey, type FlowEntry, type OutflowRateDetectorParameters } from './outflow-rate.js';
import { addresses, blockHash, context, txHash } from './test-helpers.js';
import type { DecodedLog, ReadResult } from './types.js';

const e18 = 10n ** 18n;
let world: World;
let token: ResolvedContract;
let vaultA: ResolvedContract;
let vaultB: ResolvedContract;

beforeAll(async () => {
  world = await startWorld();
  token = await world.deploy('FixtureToken');
  vaultA = await world.deploy('FixtureVault', [token.address]);
  vaultB = await world.deploy('FixtureVault', [token.address]);
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

/** Mines `blocks` empty blocks, `seconds` apart: moves the deposits out of the windows. */
async function mine(blocks: number, seconds: number): Promise<void> {
  await world.client.request({ method: 'anvil_mine', params: [`0x${blocks.toString(16)}`, `0x${seconds.toString(16)}`] } as never);
}

describe('outflow-rate detector on anvil', () => {
  it('stays quiet through deposits, withdrawals and internal rebalancing; raises once on a drain through several txs; one eth_call per block', async () => {
    const [, alice, bob, attacker] = world.accounts as [Address, Address, Address, Address];
    const contracts = { token, vaultA, vaultB };
    const detectors = buildDetectors(
      [
        { id: 'rate', kind: 'outflow-rate', severity: 'critical', params: { token: 'token', contracts: ['vaultA', 'vaultB'], windowBlocks: 10, maxOutflowPercent: 20 } },
        { id: 'cap', kind: 'outflow-rate', severity: 'high', params: { token: 'token', contracts: ['vaultA', 'vaultB'], windowSeconds: '5m', maxOutflow: '200e18' } },
      ],
      contracts,
    );
    const runner = blockRunner(world, detectors, [token, vaultA, vaultB]);

    for (const [user, vault] of [[alice, vaultA], [bob, vaultB]] as const) {
      await world.send(user, token, 'mint', [user, 1_000n * e18]);
      await world.send(user, token, 'approve', [vault.address, 2n ** 255n]);
      await world.send(user, vault, 'deposit', [500n * e18]);
    }
    await mine(12, 60);
    // Normal traffic: a 5% withdrawal, a deposit, and 300 moved from A to B (internal: no outflow).
    await world.send(alice, vaultA, 'withdraw', [50n * e18]);
    await world.send(bob, vaultB, 'deposit', [50n * e18]);
    await world.send(attacker, vaultA, 'skim', [vaultB.address, 300n * e18]);
    expect(await runner.catchUp()).toEqual([]);
    await mine(12, 60);
    expect(await runner.catchUp()).toEqual([]);

    // The drain: 80 per tx from alternating vaults. Holdings at the start: 1000; 160 is 16%, 240 is 24%.
    const drains = [];
    for (const vault of [vaultB, vaultA, vaultB]) drains.push(await world.send(attacker, vault, 'skim', [attacker, 80n * e18]));
    const raised = await runner.catchUp();
    expect(raised.map((a) => [a.detectorId, a.txHashes])).toEqual([
      ['rate', [drains[2]]],
      ['cap', [drains[2]]],
    ]);
    const rate = raised[0]!;
    expect(rate.summary).toBe('net outflow of token from vaultA, vaultB: 240e18 within 10 blocks (24.00% of 1e21 at the window start) exceeds maxOutflowPercent 20%');
    expect(rate.evidence).toMatchObject({ netOutflow: (240n * e18).toString(), windowStartHoldings: (1000n * e18).toString(), holdings: (760n * e18).toString(), outflowBps: 2400 });
    expect(raised[1]!.summary).toContain('exceeds maxOutflow 200e18');

    // The drain goes on within the same window: no repeat.
    await world.send(attacker, vaultB, 'skim', [attacker, 80n * e18]);
    expect(await runner.catchUp()).toEqual([]);

    expect(runner.ethCallsPerBlock.length).toBeGreaterThan(30);
    expect(runner.ethCallsPerBlock.every((calls) => calls === 1)).toBe(true);
  }, 120_000);
});

describe('outflow-rate detector state', () => {
  const holderA = { name: 'a', chainId: 31337, address: addresses.vault, abi: [], protocol: 'demo' } satisfies ResolvedContract;
  const holderB = { name: 'b', chainId: 31337, address: addresses.proxy, abi: [], protocol: 'demo' } satisfies ResolvedContract;
  const erc20: ResolvedContract = { name: 'tok', chainId: 31337, address: addresses.token, protocol: 'demo', abi: parseAbi(['function balanceOf(address) view returns (uint256)']) };
  const outsider = addresses.attacker;
  let n = 0;
  const fresh = () => createRedisDetectorState({ redis: world.redis, keyPrefix: `outflow-unit-${(n += 1)}`, chainId: 31337, detectorId: 'o' });
  const detector = (overrides: Partial<OutflowRateDetectorParameters> = {}) =>
    createOutflowRateDetector({ id: 'o', severity: 'high', chainId: 31337, token: erc20, holders: [holderA, holderB], windowBlocks: 5, maxOutflowPercent: 10, ...overrides });

  function transfer(from: Address, to: Address, value: bigint, index = 0, blockNumber = 1): DecodedLog {
    return {
      address: addresses.token,
      contract: 'tok',
      topics: ['0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef', pad(from), pad(to)],
      data: pad(`0x${value.toString(16)}`),
      args: {},
      logIndex: index,
      transactionHash: txHash(`${blockNumber}-${index}`),
      blockNumber,
      blockHash: blockHash(blockNumber),
    };
  }
  const balances = (a: bigint, b = 0n): Record<string, ReadResult> => ({ [`balance:${holderA.address}`]: { ok: true, value: a }, [`balance:${holderB.address}`]: { ok: true, value: b } });

  /** Each step: the transfers of one block and holdings after it. Returns the blocks that raised. */
  async function feed(built: ReturnType<typeof detector>, state = fresh(), steps: [DecodedLog[], bigint | 'fail'][], start = 1, branch = 'a') {
    const raised: number[] = [];
    for (const [i, [logs, holdings]] of steps.entries()) {
      const reads = holdings === 'fail' ? { [`balance:${holderA.address}`]: { ok: false, error: 'reverted' } as ReadResult } : balances(holdings);
      const findings = await built.onBlock(context({ number: start + i, branch, logs, reads }), state);
      if (findings.length > 0) raised.push(start + i);
    }
    return raised;
  }

  it.each([
    ['a drain at a rate crosses 10% on its third step', [[[transfer(holderA.address, outsider, 40n)], 960n], [[transfer(holderA.address, outsider, 40n)], 920n], [[transfer(holderA.address, outsider, 40n)], 880n]], [3]],
    ['transfers between the watched contracts are internal', [[[transfer(holderA.address, holderB.address, 900n)], 100n]], []],
    ['inflows offset outflows', [[[transfer(outsider, holderA.address, 500n)], 1500n], [[transfer(holderA.address, outsider, 200n)], 1300n]], []],
    ['the window forgets old outflows', [[[transfer(holderA.address, outsider, 60n)], 940n], [[], 940n], [[], 940n], [[], 940n], [[], 940n], [[], 940n], [[transfer(holderA.address, outsider, 60n)], 880n]], []],
    ['exactly 10% is not more than 10%', [[[transfer(holderA.address, outsider, 100n)], 900n]], []],
    ['a failed balance read skips the percentage check', [[[transfer(holderA.address, outsider, 500n)], 'fail']], []],
  ] as const)('%s', async (_name, steps, expected) => {
    expect(await feed(detector(), fresh(), steps as never)).toEqual(expected);
  });

  it('raises once per breach: not while it continues, again after the window fell back under', async () => {
    const out = (value: bigint) => [transfer(holderA.address, outsider, value)];
    const steps: [DecodedLog[], bigint][] = [
      [out(200n), 800n], // 20% of 1000: raise
      [out(10n), 790n], // still over: quiet
      [[], 790n],
      [[], 790n],
      [[], 790n],
      [[], 790n],
      [[], 790n], // blocks 1-2 out of the 5-block window
      [out(100n), 690n], // 100 of 790 = 12.7%: a new breach
    ];
    expect(await feed(detector(), fresh(), steps)).toEqual([1, 8]);
    // An absolute cap, failed balance reads notwithstanding.
    expect(await feed(detector({ maxOutflowPercent: undefined, maxOutflow: 150n }), fresh(), [[out(100n), 'fail'], [out(100n), 'fail']])).toEqual([2]);
  });

  it('stores only blocks with flows; onReorg forgets dropped blocks, so the new branch is judged on its own flows', async () => {
    const built = detector();
    const state = fresh();
    expect(await feed(built, state, [[[transfer(holderA.address, outsider, 60n)], 940n], [[], 940n], [[transfer(holderA.address, outsider, 60n, 0, 3)], 880n]])).toEqual([3]);
    expect((await state.get<FlowEntry[]>(flowsStateKey))?.map((entry) => entry.number)).toEqual([1, 3]);
    await built.onReorg!([blockHash(1), blockHash(2), blockHash(3)], state);
    expect(await state.get<FlowEntry[]>(flowsStateKey)).toEqual([]);
    // Branch b: only the second outflow happened: 60 of 1000 is 6%.
    expect(await built.onBlock(context({ number: 1, branch: 'b', parentBranch: 'a', reads: balances(1000n) }), state)).toEqual([]);
    expect(await built.onBlock(context({ number: 2, branch: 'b', logs: [transfer(holderA.address, outsider, 60n)], reads: balances(940n) }), state)).toEqual([]);
  });

  it('config errors', () => {
    const build = (entry: object) =>
      buildDetectors([{ id: 'o', kind: 'outflow-rate', severity: 'high', params: { token: 'tok', contracts: ['a'], windowBlocks: 5, maxOutflowPercent: 10, ...entry } }], {
        tok: erc20,
        a: holderA,
        nft: { ...erc20, abi: parseAbi(['function ownerOf(uint256) view returns (address)']) },
        far: { ...holderB, chainId: 10 },
      });
    const issues = (entry: object) => {
      try {
        build(entry);
      } catch (error) {
        if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
        return [(error as Error).message];
      }
      return [];
    };
    expect(issues({})).toEqual([]);
    expect(issues({ token: 'nft' })).toEqual([expect.stringMatching(/^detectors\[0\]\.params\.token: contract "nft" has no "function balanceOf\(address\) view returns \(uint256\)"/)]);
    expect(issues({ contracts: ['a', 'tok'] })).toEqual(['detectors[0].params.contracts[1]: "tok" is the token itself; list the contracts that hold it']);
    expect(issues({ contracts: ['a', 'far'] })).toEqual([expect.stringContaining('detectors[0].params.contracts: contracts are on different chains (tok: 31337, a: 31337, far: 10)')]);
    expect(issues({ contracts: ['b'] })).toEqual([expect.stringContaining('detectors[0].params.contracts[0]: unknown contract "b"')]);
    // The schema: exactly one window, at least one threshold.
    expect(issues({ windowSeconds: 60 })[0]).toContain('set exactly one of windowBlocks and windowSeconds');
    expect(issues({ maxOutflowPercent: undefined })[0]).toContain('set maxOutflowPercent, maxOutflow, or both');
  });
});
