/**
 * The invariant detector on a real anvil (a share vault with a drain bug, deposits and withdrawals)
 * through warden's block processor, plus its state rules on hand-built blocks against real Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAbi } from 'viem';
import { createRedisDetectorState } from '../src/chain/detector-state.js';
import type { ResolvedContract } from '../src/config/contracts.js';
import { ConfigError } from '../src/config/errors.js';
import { blockRunner, buildDetectors, startWorld, type World } from './fixtures/world.js';
import { createInvariantDetector, historyStateKey, type InvariantEntry } from './invariant.js';
import { addresses, blockHash, context } from './test-helpers.js';
import type { ReadResult } from './types.js';

const e18 = 10n ** 18n;
let world: World;
let token: ResolvedContract;
let vault: ResolvedContract;

beforeAll(async () => {
  world = await startWorld();
  token = await world.deploy('FixtureToken');
  vault = await world.deploy('FixtureVault', [token.address]);
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

const solvency = 'vault.totalAssets() >= vault.totalSupply() * 99 / 100';

describe('invariant detector on anvil', () => {
  it('stays quiet through deposits and withdrawals, raises once on a drain, again after recovery and a second drain; one eth_call per block', async () => {
    const [, alice, bob, attacker] = world.accounts as [string, `0x${string}`, `0x${string}`, `0x${string}`];
    const contracts = { vault, token };
    const detectors = buildDetectors(
      [
        { id: 'solvency', kind: 'invariant', severity: 'critical', params: { expression: solvency } },
        // Same reads written another way (token.balanceOf(vault)): batched into the same single eth_call.
        { id: 'backing', kind: 'invariant', severity: 'high', params: { expression: 'token.balanceOf(vault) >= vault.totalSupply()', everyBlocks: 2 } },
      ],
      contracts,
    );
    const runner = blockRunner(world, detectors, [vault, token]);

    // Normal traffic: mints, approvals, deposits, withdrawals.
    for (const user of [alice, bob]) {
      await world.send(user, token, 'mint', [user, 1_000n * e18]);
      await world.send(user, token, 'approve', [vault.address, 2n ** 255n]);
      await world.send(user, vault, 'deposit', [400n * e18]);
    }
    await world.send(alice, vault, 'withdraw', [150n * e18]);
    await world.send(bob, vault, 'deposit', [50n * e18]);
    expect(await runner.catchUp()).toEqual([]);

    // A failed read (totalAssets reverts) is never a violation.
    await world.send(alice, vault, 'setBroken', [true]);
    await world.send(alice, vault, 'setBroken', [false]);
    expect(await runner.catchUp()).toEqual([]);

    // The drain: 5% of the assets leave without burning shares.
    const drained = (700n * e18 * 5n) / 100n;
    const drainTx = await world.send(attacker, vault, 'skim', [attacker, drained]);
    const drain = await runner.catchUp();
    expect(drain.map((a) => a.detectorId).filter((id) => id === 'solvency')).toEqual(['solvency']);
    const raised = drain.find((a) => a.detectorId === 'solvency')!;
    expect(raised.blockNumber).toBe(Number((await world.client.getTransactionReceipt({ hash: drainTx })).blockNumber));
    expect(raised.summary).toBe(`invariant broken: ${solvency} (vault.totalAssets() = ${665n * e18}, vault.totalSupply() = ${700n * e18})`);
    expect(raised.evidence).toMatchObject({ expression: solvency, reads: { 'vault.totalAssets()': (665n * e18).toString(), 'vault.totalSupply()': (700n * e18).toString() } });
    expect(raised.addresses).toEqual([vault.address]);

    // Still broken through more traffic: no repeat.
    await world.send(bob, vault, 'deposit', [10n * e18]);
    await world.send(alice, vault, 'withdraw', [10n * e18]);
    const whileBroken = await runner.catchUp();
    expect(whileBroken.filter((a) => a.detectorId === 'solvency')).toEqual([]);

    // Recovered (funds returned), then drained again: raises again.
    await world.send(attacker, token, 'transfer', [vault.address, drained]);
    expect((await runner.catchUp()).filter((a) => a.detectorId === 'solvency')).toEqual([]);
    await world.send(attacker, vault, 'skim', [attacker, drained]);
    expect((await runner.catchUp()).filter((a) => a.detectorId === 'solvency')).toHaveLength(1);

    // `backing` checks even blocks only, and raised once across the first drain (and once more after the recovery).
    const all = [...drain, ...whileBroken];
    const backing = all.filter((a) => a.detectorId === 'backing');
    expect(backing).toHaveLength(1);
    expect(backing[0]!.blockNumber % 2).toBe(0);

    // Every processed block cost exactly one eth_call on blocks where a detector reads, and the reads of
    // both detectors (three distinct calls) went into it.
    expect(runner.ethCallsPerBlock.length).toBeGreaterThan(15);
    expect(runner.ethCallsPerBlock.every((calls) => calls === 1)).toBe(true);
  }, 120_000);
});

describe('invariant detector state', () => {
  const abi = parseAbi(['function totalAssets() view returns (uint256)', 'function totalSupply() view returns (uint256)']);
  const contracts = new Map<string, ResolvedContract>([['vault', { name: 'vault', chainId: 31337, address: addresses.vault, abi, protocol: 'demo' }]]);
  let n = 0;
  const fresh = () =>
    createRedisDetectorState({ redis: world.redis, keyPrefix: `inv-unit-${(n += 1)}`, chainId: 31337, detectorId: 'inv' });
  const detector = (raiseAfterFailedChecks?: number) =>
    createInvariantDetector({ id: 'inv', severity: 'high', expression: 'vault.totalAssets() >= vault.totalSupply()', contracts, everyBlocks: 1, raiseAfterFailedChecks });
  const reads = (assets: bigint | 'fail', supply = 100n): Record<string, ReadResult> => ({
    'vault.totalAssets()': assets === 'fail' ? { ok: false, error: 'call reverted' } : { ok: true, value: assets },
    'vault.totalSupply()': { ok: true, value: supply },
  });

  it.each([
    ['holds, breaks, stays broken, recovers, breaks again', [100n, 99n, 98n, 100n, 50n], [2, 5]],
    ['broken from the first check raises once', [1n, 1n, 1n], [1]],
    ['failed checks neither raise nor end a violation', [100n, 99n, 'fail', 'fail', 98n, 100n], [2]],
    ['a failed check between holds and broken does not hide the break', [100n, 'fail', 99n], [3]],
  ] as const)('%s', async (_name, assets, expected) => {
    const built = detector();
    const state = fresh();
    const raised: number[] = [];
    for (const [i, value] of assets.entries()) {
      const findings = await built.onBlock(context({ number: i + 1, reads: reads(value) }), state);
      if (findings.length > 0) raised.push(i + 1);
    }
    expect(raised).toEqual(expected);
  });

  it('raiseAfterFailedChecks: one finding after K consecutive failed checks', async () => {
    const built = detector(3);
    const state = fresh();
    const findings = [];
    for (let i = 1; i <= 6; i += 1) findings.push(...(await built.onBlock(context({ number: i, reads: reads(i === 1 ? 100n : 'fail') }), state)));
    expect(findings.map((f) => f.key)).toEqual(['checks-failing']);
    expect(findings[0]!.summary).toBe('invariant could not be checked 3 times in a row: vault.totalAssets(): call reverted');
  });

  it('replaying a block gives the same finding; onReorg forgets dropped checks', async () => {
    const built = detector();
    const state = fresh();
    await built.onBlock(context({ number: 1, reads: reads(100n) }), state);
    expect(await built.onBlock(context({ number: 2, reads: reads(10n) }), state)).toHaveLength(1);
    expect(await built.onBlock(context({ number: 2, reads: reads(10n) }), state)).toHaveLength(1); // replay
    await built.onReorg!([blockHash(2)], state);
    expect((await state.get<InvariantEntry[]>(historyStateKey))?.map((e) => e.number)).toEqual([1]);
    // The new branch's block 2 holds; its block 3 breaks: raised on the new branch.
    expect(await built.onBlock(context({ number: 2, branch: 'b', parentBranch: 'a', reads: reads(100n) }), state)).toEqual([]);
    expect(await built.onBlock(context({ number: 3, branch: 'b', reads: reads(5n) }), state)).toHaveLength(1);
  });

  it('everyBlocks: reads and checks only on multiples', () => {
    const built = createInvariantDetector({ id: 'inv', severity: 'high', expression: 'vault.totalAssets() > 0', contracts, everyBlocks: 5 });
    expect(built.reads!(context({ number: 4 }).block)).toEqual([]);
    expect(built.reads!(context({ number: 10 }).block)).toEqual([expect.objectContaining({ key: 'vault.totalAssets()', functionName: 'totalAssets', address: addresses.vault })]);
  });

  it.each([
    ['vualt.totalAssets() > 0', 'params.expression: column 1: unknown contract "vualt"; contracts are: vault'],
    ['vault.totalAsets() > 0', 'params.expression: column 1: contract "vault" has no function "totalAsets" in its ABI; its view functions are: totalAssets, totalSupply'],
    ['vault.totalAssets(1) > 0', 'params.expression: column 1: vault.totalAssets takes 0 arguments, got 1: totalAssets()'],
    ['1 > 0', 'params.expression: the expression reads no contract; read one as contract.function(), e.g. vault.totalAssets()'],
  ])('config error: %s', (expression, message) => {
    let caught: unknown;
    try {
      createInvariantDetector({ id: 'inv', severity: 'high', expression, contracts, everyBlocks: 1 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).issues.map((i) => `${i.path}: ${i.message}`)).toEqual([message]);
  });

  it('config errors through createDetectors carry the entry path; non-view functions are refused', () => {
    const withWithdraw = { vault: { ...contracts.get('vault')!, abi: parseAbi(['function withdraw(uint256) returns (uint256)', 'function totalSupply() view returns (uint256)']) } };
    expect(() => buildDetectors([{ id: 'x', kind: 'invariant', severity: 'low', params: { expression: 'vault.withdraw(1) > 0' } }], withWithdraw)).toThrow(
      'detectors[0].params.expression: column 1: withdraw(uint256) is nonpayable, not view',
    );
    expect(() => buildDetectors([{ id: 'x', kind: 'invariant', severity: 'low', params: { expression: 'vault.totalSupply() > 0', everyBlocks: 0 } }], withWithdraw)).toThrow();
  });
});
