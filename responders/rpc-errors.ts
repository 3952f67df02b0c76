/** Small helpers for RPC errors of the pauser: short texts without urls or request bodies. */
import { describeError } from '../src/errors.js';

/** A failure a retry of the job can fix (lock contention, a lost lock, an unreadable check, an RPC outage). */
export class PauseTransientError extends Error {
  override name = 'PauseTransientError';
}

/**
 * The node's own words (e.g. "insufficient funds for gas * price + value"), never viem's full message:
 * that one quotes the request body and the RPC url, which may carry an API key. One line, no urls.
 */
export function describeRpcError(error: unknown): string {
  return describeError(error);
}

/**
 * `error` as a PauseTransientError whose message and stack carry only the sanitized text: what
 * leaves the pauser may be logged and stored (BullMQ keeps `failedReason` and `stacktrace`).
 */
export function transientPauseError(error: unknown): PauseTransientError {
  if (error instanceof PauseTransientError) return error;
  return new PauseTransientError(describeRpcError(error));
}

/** The node already has this exact tx (a re-broadcast, or a sibling broadcast the same bytes). */
export function isAlreadyKnown(error: unknown): boolean {
  return /already known|already imported|known transaction|transaction already exists/i.test(describeRpcError(error));
}

/** The nonce was used: by one of our versions (mined), or by another tx of the guardian. */
export function isNonceTooLow(error: unknown): boolean {
  return /nonce too low|nonce has already been used|nonce is too low/i.test(describeRpcError(error));
}
