/**
 * Fees of a pause tx. anvil (and most builders) order pending txs by fee, and the base fee can rise
 * 12.5% per block, so a pause pays well above the current base fee: it must land in the next block.
 */
export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export const defaultPriorityFee = 2_000_000_000n; // 2 gwei

/** maxFeePerGas = baseFee × feeMultiplier + priorityFee (multiplier may be fractional, e.g. 2.5). */
export function pauseFees(params: { baseFee: bigint; feeMultiplier: number; priorityFee?: bigint }): Fees {
  const priority = params.priorityFee ?? defaultPriorityFee;
  const multiplierMilli = BigInt(Math.ceil(params.feeMultiplier * 1000));
  return { maxFeePerGas: (params.baseFee * multiplierMilli + 999n) / 1000n + priority, maxPriorityFeePerGas: priority };
}

/** +12.5% rounded up, and at least +1 wei: nodes reject a same-nonce replacement without a bump (geth wants ≥10%). */
function bump(value: bigint): bigint {
  const bumped = (value * 9n + 7n) / 8n;
  return bumped > value ? bumped : value + 1n;
}

/** Fees of a replacement: both fees bumped ≥ 12.5% over the stuck tx, and never below what the chain asks now. */
export function replacementFees(previous: Fees, current: Fees): Fees {
  const maxPriorityFeePerGas = max(bump(previous.maxPriorityFeePerGas), current.maxPriorityFeePerGas);
  const maxFeePerGas = max(bump(previous.maxFeePerGas), current.maxFeePerGas, maxPriorityFeePerGas);
  return { maxFeePerGas, maxPriorityFeePerGas };
}

function max(...values: bigint[]): bigint {
  return values.reduce((a, b) => (b > a ? b : a));
}
