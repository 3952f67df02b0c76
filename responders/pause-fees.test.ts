import { describe, expect, it } from 'vitest';
import { parseGwei } from 'viem';
import { pauseFees, replacementFees } from './pause-fees.js';

describe('pause fees', () => {
  it('pays baseFee × multiplier + tip', () => {
    expect(pauseFees({ baseFee: parseGwei('10'), feeMultiplier: 3 })).toEqual({ maxFeePerGas: parseGwei('32'), maxPriorityFeePerGas: parseGwei('2') });
    expect(pauseFees({ baseFee: 1000n, feeMultiplier: 2.5, priorityFee: 1n })).toEqual({ maxFeePerGas: 2501n, maxPriorityFeePerGas: 1n });
  });

  it('bumps a replacement at least 12.5% on both fees, and follows a risen base fee', () => {
    const previous = { maxFeePerGas: 800n, maxPriorityFeePerGas: 8n };
    expect(replacementFees(previous, { maxFeePerGas: 100n, maxPriorityFeePerGas: 1n })).toEqual({ maxFeePerGas: 900n, maxPriorityFeePerGas: 9n });
    expect(replacementFees({ maxFeePerGas: 1n, maxPriorityFeePerGas: 0n }, { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n })).toEqual({ maxFeePerGas: 2n, maxPriorityFeePerGas: 1n });
    expect(replacementFees(previous, { maxFeePerGas: 5000n, maxPriorityFeePerGas: 20n })).toEqual({ maxFeePerGas: 5000n, maxPriorityFeePerGas: 20n });
  });
});
