/**
 * Token amounts as people write them in configs: `1_000_000e18`, `1.5e6`, `42`, or `units("1000", 6)`.
 * Always exact bigint arithmetic: an amount that is not a whole number of base units is an error,
 * never a silently rounded float.
 */
import { parseUnits } from 'viem';

export class AmountError extends Error {
  override name = 'AmountError';
}

const literalPattern = /^(\d[\d_]*)(?:\.(\d[\d_]*))?(?:[eE](\d+))?$/;
const unitsPattern = /^units\(\s*"([^"]*)"\s*,\s*(\d+)\s*\)$/;

export const amountExamples = 'a positive amount like 1_000e18 or units("1000", 6)';

/** Parses a numeric literal with optional `_` separators, decimal point and exponent into an exact bigint. */
export function parseAmountLiteral(text: string): bigint {
  const match = literalPattern.exec(text);
  if (!match) throw new AmountError(`expected ${amountExamples}, got ${JSON.stringify(text)}`);
  const whole = (match[1] ?? '').replaceAll('_', '');
  const fraction = (match[2] ?? '').replaceAll('_', '');
  const exponent = Number(match[3] ?? '0');
  if (fraction.length > exponent) {
    throw new AmountError(`${JSON.stringify(text)} is not a whole number of base units (too many decimals for e${exponent})`);
  }
  return BigInt(whole + fraction + '0'.repeat(exponent - fraction.length));
}

/** `units("1000.5", 6)` → 1000500000n, as viem's parseUnits, but rejecting precision loss. */
export function parseUnitsExact(value: string, decimals: number): bigint {
  if (!/^\d+(\.\d+)?$/.test(value)) throw new AmountError(`units(): expected a decimal string like "1000.5", got ${JSON.stringify(value)}`);
  const fraction = value.split('.')[1] ?? '';
  if (fraction.length > decimals) throw new AmountError(`units(${JSON.stringify(value)}, ${decimals}): more decimals than the token has`);
  return parseUnits(value, decimals);
}

/** Parses a whole config amount (a literal or a units() call). Accepts numbers from YAML too. */
export function parseAmount(input: string | number | bigint): bigint {
  if (typeof input === 'bigint') return input;
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input < 0) {
      throw new AmountError(`expected ${amountExamples}, got ${input} (write large amounts as strings, e.g. "1_000e18")`);
    }
    return BigInt(input);
  }
  const text = input.trim();
  const units = unitsPattern.exec(text);
  if (units) return parseUnitsExact(units[1] ?? '', Number(units[2]));
  if (text.startsWith('-')) throw new AmountError(`expected ${amountExamples}, got ${JSON.stringify(input)}`);
  return parseAmountLiteral(text);
}
