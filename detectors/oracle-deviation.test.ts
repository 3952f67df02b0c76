/**
 * The oracle-deviation detector on a real anvil — a Chainlink-style aggregator (8 decimals) and a
 * constant-product pool whose price an attacker moves with a large swap — through warden's block
 * processor, plus its rules on hand-built blocks against real Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAbi, type Address } from 'viem';
import { createRedisDetectorState } from '../src/chain/detector-state.js';
import type { ResolvedContract } from '../src/config/contracts.js';
import { ConfigError } from '../src/config/errors.js';
import { blockRunner, buildDetectors, startWorld, type World } from './fixtures/world.js';
import { createOracleDeviationDetector, pricesStateKey, type OracleDeviationDetectorParameters, type PriceEntry } from './oracle-deviation.js';
import { addresses, blockHash, context } from './test-helpers.js';
import type { ReadResult } from './types.js';

const e18 = 10n ** 18n;
const e8 = 10n ** 8n;
let world: World;
let weth: ResolvedContract;
let usd: ResolvedContract;
let pool: ResolvedContract;
let feed: ResolvedContract;

beforeAll(async () => {
  world = await startWorld();
  weth = await world.deploy('FixtureToken');
  usd = await world.deploy('FixtureToken');
  pool = await world.deploy('FixturePool', [weth.address, usd.address]);
  feed = await world.deploy('FixtureAggregator', [2000n * e8]);
  const [deployer] = world.accounts as [Address];
  await world.send(deployer, weth, 'mint', [pool.address, 100n * e18]);
  await world.send(deployer, usd, 'mint', [pool.address, 200_000n * e18]);
  await world.send(deployer, pool, 'sync');
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

const poolPrice = 'pool.reserve1() * 1e18 / pool.reserve0()';
const feedPrice = 'feed.latestRoundData().answer';

describe('oracle-deviation detector on anvil', () => {
  it('stays quiet through small swaps and price updates within bounds; raises on a manipulated pool and on a feed jump; one eth_call per block', async () => {
    const [deployer, trader, attacker] = world.accounts as [Address, Address, Address];
    const contracts = { pool, feed, weth, usd };
    const detectors = buildDetectors(
      [
        {
          id: 'pool-vs-feed',
          kind: 'oracle-deviation',
          severity: 'critical',
          params: { price: feedPrice, priceDecimals: 8, reference: poolPrice, referenceDecimals: 18, maxDeviationPercent: 5 },
        },
        { id: 'feed-jump', kind: 'oracle-deviation', severity: 'high', params: { price: feedPrice, priceDecimals: 8, maxMovePercent: 10 } },
      ],
      contracts,
    );
    const runner = blockRunner(world, detectors, Object.values(contracts));

    // Normal traffic: swaps of ~1% of the pool both ways, feed updates of ±1-2%.
    for (const user of [trader, attacker]) {
      await world.send(deployer, weth, 'mint', [user, 1_000n * e18]);
      await world.send(deployer, usd, 'mint', [user, 1_000_000n * e18]);
      await world.send(user, weth, 'approve', [pool.address, 2n ** 255n]);
      await world.send(user, usd, 'approve', [pool.address, 2n ** 255n]);
    }
    await world.send(trader, pool, 'swap0For1', [1n * e18]);
    await world.send(deployer, feed, 'setAnswer', [1980n * e8]);
    await world.send(trader, pool, 'swap1For0', [2_000n * e18]);
    await world.send(deployer, feed, 'setAnswer', [2010n * e8]);
    await world.send(deployer, feed, 'setAnswer', [2000n * e8]);
    expect(await runner.catchUp()).toEqual([]);

    // Manipulation: a swap of 100k USD into the pool moves its WETH price to ~4500.
    const swap = await world.send(attacker, pool, 'swap1For0', [100_000n * e18]);
    const manipulated = await runner.catchUp();
    expect(manipulated.map((a) => [a.detectorId, a.blockNumber])).toEqual([['pool-vs-feed', Number((await world.client.getTransactionReceipt({ hash: swap })).blockNumber)]]);
    expect(manipulated[0]!.summary).toMatch(/^feed\.latestRoundData\(\)\.answer = 2000 deviates 5\d\.\d\d% from pool\.reserve1\(\) \* 1e18 \/ pool\.reserve0\(\) = 4\d{3}\.\d+ \(max 5%\)$/);
    expect(manipulated[0]!.addresses).toEqual([feed.address, pool.address]);

    // Still manipulated on the next blocks: no repeat.
    await world.send(trader, pool, 'swap1For0', [1_000n * e18]);
    expect(await runner.catchUp()).toEqual([]);

    // The attacker sells back: the pool price returns within bounds.
    const balance = (await world.client.readContract({ address: weth.address, abi: parseAbi(['function balanceOf(address) view returns (uint256)']), functionName: 'balanceOf', args: [attacker] })) as bigint;
    await world.send(attacker, pool, 'swap0For1', [balance - 1_000n * e18]);
    expect(await runner.catchUp()).toEqual([]);

    // The feed jumps 25% in one block: a move, and a new deviation from the (restored) pool.
    await world.send(deployer, feed, 'setAnswer', [2500n * e8]);
    const jump = await runner.catchUp();
    expect(jump.map((a) => a.detectorId).sort()).toEqual(['feed-jump', 'pool-vs-feed']);
    expect(jump.find((a) => a.detectorId === 'feed-jump')!.summary).toBe('feed.latestRoundData().answer moved +25.00% in one block: 2000 → 2500 (max 10%)');

    expect(runner.ethCallsPerBlock.length).toBeGreaterThan(20);
    expect(runner.ethCallsPerBlock.every((calls) => calls === 1)).toBe(true);
  }, 120_000);
});

describe('oracle-deviation detector state', () => {
  const contracts = new Map<string, ResolvedContract>([
    ['feed', { name: 'feed', chainId: 31337, address: addresses.vault, protocol: 'x', abi: parseAbi(['function latestAnswer() view returns (int256)', 'function decimals() view returns (uint8)']) }],
    ['other', { name: 'other', chainId: 31337, address: addresses.token, protocol: 'x', abi: parseAbi(['function latestAnswer() view returns (int256)']) }],
    ['far', { name: 'far', chainId: 10, address: addresses.proxy, protocol: 'x', abi: parseAbi(['function latestAnswer() view returns (int256)']) }],
  ]);
  let n = 0;
  const fresh = () => createRedisDetectorState({ redis: world.redis, keyPrefix: `oracle-unit-${(n += 1)}`, chainId: 31337, detectorId: 'o' });
  const detector = (overrides: Partial<OracleDeviationDetectorParameters> = {}) =>
    createOracleDeviationDetector({
      id: 'o',
      severity: 'high',
      contracts,
      price: 'feed.latestAnswer()',
      priceDecimals: 8,
      reference: 'other.latestAnswer()',
      referenceDecimals: 18,
      maxDeviationPercent: 5,
      maxMovePercent: 10,
      ...overrides,
    });
  const reads = (price: bigint | 'fail', reference: bigint): Record<string, ReadResult> => ({
    'feed.latestAnswer()': price === 'fail' ? { ok: false, error: 'reverted' } : { ok: true, value: price * e8 },
    'other.latestAnswer()': { ok: true, value: reference * e18 },
  });

  async function feedBlocks(built: ReturnType<typeof detector>, steps: [bigint | 'fail', bigint][], state = fresh()) {
    const out: string[] = [];
    for (const [i, [price, reference]] of steps.entries()) {
      const findings = await built.onBlock(context({ number: i + 1, reads: reads(price, reference) }), state);
      out.push(...findings.map((f) => `${i + 1}:${f.key}`));
    }
    return out;
  }

  it.each([
    ['decimals are scaled before comparing', [[100n, 100n], [104n, 100n]], []],
    ['deviates, stays deviated, recovers, deviates again', [[100n, 100n], [106n, 100n], [107n, 100n], [100n, 100n], [94n, 100n]], ['2:deviation', '5:deviation']],
    ['a jump of more than 10% in one block', [[100n, 100n], [111n, 111n], [99n, 99n]], ['2:move', '3:move']],
    ['a failed read is unknown: no move across it, and the deviation status carries over', [[100n, 100n], [120n, 100n], ['fail', 100n], [130n, 100n]], ['2:deviation', '2:move']],
    ['exactly 5% is not more than 5%', [[105n, 100n]], []],
  ] as const)('%s', async (_name, steps, expected) => {
    expect(await feedBlocks(detector(), steps as never)).toEqual(expected);
  });

  it('onReorg forgets dropped prices: no move measured against a dropped block', async () => {
    const built = detector({ reference: undefined, maxDeviationPercent: undefined, referenceDecimals: undefined });
    const state = fresh();
    await built.onBlock(context({ number: 1, reads: reads(100n, 1n) }), state);
    await built.onBlock(context({ number: 2, reads: reads(200n, 1n) }), state);
    await built.onReorg!([blockHash(2)], state);
    expect((await state.get<PriceEntry[]>(pricesStateKey))?.map((e) => e.number)).toEqual([1]);
    expect(await built.onBlock(context({ number: 2, branch: 'b', parentBranch: 'a', reads: reads(101n, 1n) }), state)).toEqual([]);
    expect(built.reads!(context({ number: 1 }).block).map((r) => r.key)).toEqual(['feed.latestAnswer()']);
  });

  it.each([
    [{ price: 'feed.latestAnswr()' }, ['params.price: column 1: contract "feed" has no function "latestAnswr" in its ABI; its view functions are: latestAnswer, decimals']],
    [{ price: 'feed.latestAnswer() > 0' }, ['params.price: column 1: the expression must be a number, but this is true/false']],
    [{ price: 'feed.x()', reference: 'y.latestAnswer()' }, [expect.stringContaining('params.price: column 1'), expect.stringContaining('params.reference: column 1: unknown contract "y"')]],
    [{ reference: 'far.latestAnswer()' }, [expect.stringContaining('params.price: the expression reads contracts on different chains (feed: 31337, far: 10)')]],
    [{ reference: undefined }, ['params.reference: maxDeviationPercent compares the price with a reference: set reference, e.g. pool.reserve1() * 1e18 / pool.reserve0()']],
  ])('config error %#', (overrides, expected) => {
    let caught: unknown;
    try {
      detector(overrides as Partial<OracleDeviationDetectorParameters>);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).issues.map((i) => `${i.path}: ${i.message}`)).toEqual(expected);
  });

  it('the schema asks for decimals with a reference, and for a threshold', () => {
    const entry = (params: object) => [{ id: 'o', kind: 'oracle-deviation', severity: 'high', params: { price: 'feed.latestAnswer()', ...params } }];
    const map = Object.fromEntries(contracts);
    expect(() => buildDetectors(entry({ reference: 'other.latestAnswer()', maxDeviationPercent: 5 }), map)).toThrow('with a reference, set priceDecimals and referenceDecimals');
    expect(() => buildDetectors(entry({}), map)).toThrow('set maxDeviationPercent (with a reference), maxMovePercent, or both');
    expect(buildDetectors(entry({ maxMovePercent: 10 }), map).map((d) => [d.kind, d.chainId])).toEqual([['oracle-deviation', 31337]]);
  });
});
