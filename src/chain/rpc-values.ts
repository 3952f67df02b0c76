/**
 * Checks of values an RPC node hands us, for the fields warden decides on (block numbers, hashes,
 * nonces). viem converts what it gets without judging it: a JSON number where a hex quantity belongs
 * is taken as is, an 80-digit quantity becomes a BigInt far past any real block. A provider that
 * answers like that is faulty (or lying); the answer must be refused, never acted on.
 */
import type { Hex } from 'viem';

/**
 * An RPC answer that is malformed or contradicts itself or the request (a block of another number or
 * hash, a quantity that is not one). Another answer — a retry, another endpoint — can be right: callers
 * retry it like an RPC error, never act on the answer.
 */
export class MalformedAnswerError extends Error {
  override name = 'MalformedAnswerError';
}

const quantityPattern = /^0x[0-9a-f]+$/i;

/**
 * A JSON-RPC QUANTITY (a hex string) as a safe integer ≥ 0.
 * @throws MalformedAnswerError for anything else: a JSON number, a decimal or empty string, a value ≥ 2^53.
 * @example parseQuantity('0x2a', 'nonce') // 42; parseQuantity(42, 'nonce') throws
 */
export function parseQuantity(value: unknown, what: string): number {
  if (typeof value !== 'string' || value.length > 66 || !quantityPattern.test(value)) {
    throw new MalformedAnswerError(`${what}: not a hex quantity (${describeValue(value)})`);
  }
  return safeInteger(BigInt(value), what);
}

/** A whole number ≥ 0 (bigint or number, e.g. a field viem already converted) as a safe integer. */
export function safeInteger(value: unknown, what: string): number {
  const big = typeof value === 'bigint' ? value : typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : undefined;
  if (big === undefined || big < 0n || big > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new MalformedAnswerError(`${what}: not a whole number below 2^53 (${describeValue(value)})`);
  }
  return Number(big);
}

/** `value` when it is a hex string of exactly `bytes` bytes. */
export function fixedHex(value: unknown, bytes: number, what: string): Hex {
  if (typeof value !== 'string' || value.length !== 2 + bytes * 2 || !quantityPattern.test(value)) {
    throw new MalformedAnswerError(`${what}: not ${bytes} bytes of hex (${describeValue(value)})`);
  }
  return value as Hex;
}

/** A short, safe description of an unexpected value (never a whole huge answer). */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return value.length > 24 ? `"${value.slice(0, 20)}…" (${value.length} chars)` : `"${value}"`;
  if (typeof value === 'bigint') return value.toString().length > 24 ? `a ${value.toString().length}-digit number` : `${value}n`;
  if (value === null || value === undefined) return String(value);
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value).slice(0, 24)}`;
}
