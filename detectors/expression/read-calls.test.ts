import { describe, expect, it } from 'vitest';
import { parseAbi, type Address } from 'viem';
import { compileCondition, compileNumber, ExpressionError, type ReadableContract } from './index.js';

const vaultAddress: Address = '0x1111111111111111111111111111111111111111';
const poolAddress: Address = '0x2222222222222222222222222222222222222222';
const feedAddress: Address = '0x3333333333333333333333333333333333333333';
const contracts: Record<string, ReadableContract> = {
  vault: {
    address: vaultAddress,
    abi: parseAbi([
      'function totalAssets() view returns (uint256)',
      'function totalSupply() view returns (uint256)',
      'function balanceOf(address) view returns (uint256)',
      'function withdraw(uint256 amount)',
      'function paused() view returns (bool)',
    ]),
  },
  pool: {
    address: poolAddress,
    abi: parseAbi([
      'function reserve0() view returns (uint112)',
      'function reserve1() view returns (uint112)',
      'function getReserves() view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast)',
      'function owner() view returns (address)',
    ]),
  },
  feed: {
    address: feedAddress,
    abi: parseAbi(['function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)']),
  },
};

describe('contract reads in expressions', () => {
  it('compiles reads, lists each once, and evaluates over their results by key', () => {
    const invariant = compileCondition({ source: 'vault.totalAssets() >= vault.totalSupply() * 99 / 100 and vault.totalSupply() > 0', variables: {}, contracts });
    expect(invariant.reads.map((read) => read.key)).toEqual(['vault.totalAssets()', 'vault.totalSupply()']);
    expect(invariant.reads[0]).toMatchObject({ contract: 'vault', address: vaultAddress, functionName: 'totalAssets', args: [] });
    expect(invariant.evaluate({ 'vault.totalAssets()': 990n, 'vault.totalSupply()': 1000n })).toEqual({ ok: true, value: true });
    expect(invariant.evaluate({ 'vault.totalAssets()': 989n, 'vault.totalSupply()': 1000n })).toEqual({ ok: true, value: false });
    // A missing result is an error, never a false.
    expect(invariant.evaluate({ 'vault.totalSupply()': 1000n })).toMatchObject({ ok: false });
  });

  it('takes contract names (their address) and literals as arguments', () => {
    const condition = compileCondition({ source: 'vault.balanceOf(pool) >= pool.reserve0() and pool.owner() != vault', variables: {}, contracts });
    expect(condition.reads.map((read) => read.key)).toEqual([
      `vault.balanceOf(${poolAddress.toLowerCase()})`,
      'pool.reserve0()',
      'pool.owner()',
    ]);
    expect(condition.reads[0]!.args).toEqual([poolAddress]);
    const values = { [`vault.balanceOf(${poolAddress.toLowerCase()})`]: 5n, 'pool.reserve0()': 5n, 'pool.owner()': '0x4444444444444444444444444444444444444444' };
    expect(condition.evaluate(values)).toEqual({ ok: true, value: true });
    expect(condition.evaluate({ ...values, 'pool.owner()': vaultAddress.toUpperCase().replace('0X', '0x') })).toEqual({ ok: true, value: false });
    const literal = compileCondition({ source: 'vault.balanceOf(0x000000000000000000000000000000000000dEaD) == 0', variables: {}, contracts });
    expect(literal.reads[0]!.args).toEqual(['0x000000000000000000000000000000000000dead']);
  });

  it('picks one output of a multi-output function by name or index', () => {
    const price = compileNumber({ source: 'feed.latestRoundData().answer * 1e10', variables: {}, contracts });
    expect(price.reads.map((read) => read.key)).toEqual(['feed.latestRoundData()']);
    expect(price.evaluate({ 'feed.latestRoundData()': [1n, 2000_00000000n, 0n, 0n, 1n] })).toEqual({ ok: true, value: 2000n * 10n ** 18n });
    const ratio = compileNumber({ source: 'pool.getReserves()[1] * 1e18 / pool.getReserves().reserve0', variables: {}, contracts });
    expect(ratio.reads).toHaveLength(1);
    expect(ratio.evaluate({ 'pool.getReserves()': [2n, 4000n, 7n] })).toEqual({ ok: true, value: 2000n * 10n ** 18n });
    expect(ratio.evaluate({ 'pool.getReserves()': [0n, 4000n, 7n] })).toMatchObject({ ok: false, error: expect.stringContaining('division by zero') });
  });

  it.each([
    ['vualt.totalAssets() > 0', 1, 'unknown contract "vualt"; contracts are: vault, pool, feed'],
    ['vault.totalAsets() > 0', 1, 'contract "vault" has no function "totalAsets" in its ABI; its view functions are: totalAssets, totalSupply, balanceOf, paused'],
    ['vault.balanceOf() > 0', 1, 'vault.balanceOf takes 1 argument, got 0: balanceOf(address)'],
    ['vault.balanceOf(5) > 0', 17, 'argument 1 of balanceOf(address) is a address (an address), got a number'],
    ['vault.balanceOf(poool) > 0', 17, 'call arguments must be literals'],
    ['vault.balanceOf(pool.owner()) > 0', 17, 'a computed value'],
    ['vault.withdraw(1) > 0', 1, 'withdraw(uint256) is nonpayable, not view'],
    ['feed.latestRoundData() > 0', 1, 'latestRoundData() returns 5 values; pick one: latestRoundData().roundId, latestRoundData().answer'],
    ['feed.latestRoundData().price > 0', 1, 'returns 5 values; pick one'],
    ['pool.getReserves()[7] > 0', 1, 'returns 3 values'],
    ['vault.totalAssets()', 1, 'the condition must be true or false'],
    ['vault.paused() + 1 > 0', 16, '"+" needs a number on both sides'],
    ['totalAssets > 0', 1, 'unknown name "totalAssets"; read a contract as contract.function(), e.g. vault.totalAssets(); contracts are: vault, pool, feed'],
    ['totalAssets() > 0', 12, '"totalAssets(" is not a call this language knows'],
    ['vault.totalAssets(', 19, 'expected a value'],
    ['vault.balanceOf(pool vault) > 0', 22, 'expected "," or ")"'],
  ])('%s', (source, column, message) => {
    let caught: unknown;
    try {
      compileCondition({ source, variables: {}, contracts });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ExpressionError);
    expect((caught as ExpressionError).message).toContain(message);
    expect((caught as ExpressionError).column).toBe(column);
  });

  it('event conditions without contracts say reads are not available there', () => {
    expect(() => compileCondition({ source: 'vault.totalAssets() > 0', variables: { amount: 'bigint' } })).toThrow('contract reads like vault.totalAssets() are not available here');
  });

  it('a number expression must be a number', () => {
    expect(() => compileNumber({ source: 'vault.paused()', variables: {}, contracts })).toThrow('the expression must be a number, but this is true/false');
  });
});
