/** Small helpers for RPC errors of the pauser: short texts without urls or request bodies. */
import { BaseError } from 'viem';

/** A failure a retry of the job can fix (lock contention, a lost lock, an unreadable check). */
export class PauseTransientError extends Error {
  override name = 'PauseTransientError';
}

/**
 * The node's own words (e.g. "insufficient funds for gas * price + value"), never viem's full message:
 * that one quotes the request body and the RPC url, which may carry an API key.
 */
export function describeRpcError(error: unknown): string {
  if (error instanceof BaseError) {
    const text = error.details || error.shortMessage;
    return text.split('\n')[0]!.slice(0, 300);
  }
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);
}

/** The node already has this exact tx (a re-broadcast, or a sibling broadcast the same bytes). */
export function isAlreadyKnown(error: unknown): boolean {
  return /already known|already imported|known transaction|transaction already exists/i.test(describeRpcError(error));
}

/** The nonce was used: by one of our versions (mined), or by another tx of the guardian. */
export function isNonceTooLow(error: unknown): boolean {
  return /nonce too low|nonce has already been used|nonce is too low/i.test(describeRpcError(error));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
