/**
 * One-line summaries for people: short addresses and hashes, and amounts written the way configs
 * write them (`123.45e18`), so a number in a summary can be pasted back into a condition.
 * Evidence always carries the exact values; summaries may abbreviate.
 */
import type { Address, Hex } from 'viem';

/** `0xAbCd…1234`. */
export function shortHex(value: Address | Hex | string): string {
  return value.length > 14 ? `${value.slice(0, 6)}…${value.slice(-4)}` : value;
}

/**
 * Compact amount: below one million as is; otherwise mantissa and an exponent that is a multiple
 * of 3 (`1e18`, `123.45e18`, `1.5e6`), with at most 4 decimals, prefixed `~` when that rounds.
 */
export function formatAmount(value: bigint): string {
  if (value < 0n) return `-${formatAmount(-value)}`;
  const digits = value.toString();
  if (digits.length <= 6) return digits;
  const exponent = Math.floor((digits.length - 1) / 3) * 3;
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent).replace(/0+$/, '');
  const shown = fraction.slice(0, 4);
  const approximate = shown.length < fraction.length ? '~' : '';
  return `${approximate}${whole}${shown ? `.${shown}` : ''}e${exponent}`;
}

/** `dropBps` as a percentage with two decimals: 2500n → "25.00%". */
export function formatBps(bps: bigint): string {
  const whole = bps / 100n;
  const rest = (bps % 100n).toString().padStart(2, '0');
  return `${whole}.${rest}%`;
}

/** A decoded argument value, short enough for a one-line summary. */
export function formatArgument(value: unknown): string {
  if (typeof value === 'bigint') return formatAmount(value);
  if (typeof value === 'string') {
    if (/^0x[0-9a-fA-F]*$/.test(value)) return shortHex(value);
    return JSON.stringify(value.length > 24 ? `${value.slice(0, 23)}…` : value);
  }
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${value.length}]`;
  if (value && typeof value === 'object') return '{…}';
  return String(value);
}
