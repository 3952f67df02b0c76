import { describe, expect, it } from 'vitest';
import { parseAmountLiteral } from './expression/amount.js';
import { formatAmount, formatArgument, formatBps, shortHex } from './format.js';

describe('summary formatting', () => {
  it.each([
    [0n, '0'],
    [999_999n, '999999'],
    [1_000_000n, '1e6'],
    [1_500_000n, '1.5e6'],
    [10n ** 18n, '1e18'],
    [12345n * 10n ** 16n, '123.45e18'],
    [123456789n * 10n ** 12n, '~123.4567e18'],
    [(1n << 256n) - 1n, '~115.7920e75'],
    [-2_500_000n, '-2.5e6'],
  ])('formatAmount(%s) = %s', (value, text) => {
    expect(formatAmount(value)).toBe(text);
  });

  it('exact amounts round-trip through the config literal syntax', () => {
    for (const value of [1_000_000n, 12345n * 10n ** 16n, 7n * 10n ** 30n, 10n ** 18n + 5n * 10n ** 14n]) {
      expect(parseAmountLiteral(formatAmount(value))).toBe(value);
    }
  });

  it('formats bps, hex and arguments', () => {
    expect(formatBps(2500n)).toBe('25.00%');
    expect(formatBps(5n)).toBe('0.05%');
    expect(shortHex('0x1111111111111111111111111111111111111111')).toBe('0x1111…1111');
    expect(formatArgument('a'.repeat(30))).toBe(`"${'a'.repeat(23)}…"`);
    expect(formatArgument(true)).toBe('true');
    expect(formatArgument([1, 2])).toBe('[2]');
  });
});
