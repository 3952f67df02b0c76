/**
 * The chain reads a pause decides on — is the target contained, the guardian's pending nonce, the
 * fees — and the two ways they are made cheaper: prefetched at detection, and priced from the
 * newest head the follower saw instead of fetching the latest block.
 *
 * Guarantee: prefetched reads are handed out once and only while younger than a quarter block (at
 * least 250 ms); the caller must still re-read the check under the lock when a prior pause record
 * could be newer than them (see pause-guardian).
 */
import { decodeFunctionResult, type Address, type PublicClient } from 'viem';
import type { ChainConfig, GuardianConfig } from '../src/config/schema.js';
import { pauseFees, type Fees } from './pause-fees.js';
import type { PauseCall, PauseCallBuilder } from './pause-route.js';
import { checkMatches, type ResolvedPauseTarget } from './pause-targets.js';
import { PauseTransientError } from './rpc-errors.js';

export interface HeadFees {
  fees: Fees;
  blockNumber: number;
}

export type PauseReads = [contained: boolean, pendingNonce: number, head: HeadFees, call: PauseCall];

export interface PauseReader {
  /** Reads the configured check (at `blockNumber`, default latest) and compares it with `expect`. */
  readContained(target: ResolvedPauseTarget, blockNumber?: bigint): Promise<boolean>;
  /** The guardian's pending nonce. */
  pendingNonce(): Promise<number>;
  /** Fees priced from the newest head seen within two block times, else from the latest block. */
  currentFees(): Promise<HeadFees>;
  /** The reads at once, with the call to send (for a Safe: built on its current nonce). */
  readState(target: ResolvedPauseTarget): Promise<PauseReads>;
  /**
   * Starts `readState(target)` now for the next `takePrefetched(target.id)` and returns it; when a
   * fresh prefetch of the target is already under way, returns nothing and starts nothing.
   */
  prefetch(target: ResolvedPauseTarget): Promise<PauseReads> | undefined;
  /** The prefetched reads of `targetId` if still fresh (each prefetch is handed out at most once). */
  takePrefetched(targetId: string): Promise<PauseReads> | undefined;
  observeHead(head: { number: number; baseFeePerGas?: bigint }): void;
}

/**
 * Reads the target's configured check (at `blockNumber`, default latest) and compares it with `expect`:
 * the one place the pauser, the readiness checks and `warden recover` learn whether a target is contained.
 * @throws PauseTransientError when the check returns nothing (no code at the address, or a wrong signature).
 */
export async function readTargetContained(params: { client: PublicClient; target: ResolvedPauseTarget; blockNumber?: bigint }): Promise<boolean> {
  const { client, target } = params;
  const { data } = await client.call({ to: target.address, data: target.check.calldata, blockNumber: params.blockNumber });
  if (!data || data === '0x') {
    throw new PauseTransientError(`${target.check.function.name}() on ${target.contract} returned nothing (no code at ${target.address}, or a wrong check signature?)`);
  }
  const value = decodeFunctionResult({ abi: [target.check.function], functionName: target.check.function.name, data });
  return checkMatches(value, target.check.expect);
}

export interface CreatePauseReaderParameters {
  chain: ChainConfig;
  client: PublicClient;
  guardianAddress: Address;
  guardian: GuardianConfig;
  calls: PauseCallBuilder;
  /** The nonce `pendingNonce` reads: 'pending' (default) or 'latest' (offline pausers, see pause-guardian). */
  nonceBlockTag?: 'pending' | 'latest';
}

export function createPauseReader(params: CreatePauseReaderParameters): PauseReader {
  const { chain, client, guardianAddress, guardian } = params;
  const prefetched = new Map<string, { reads: Promise<PauseReads>; at: number }>();
  let newestHead: { number: number; baseFee: bigint; seenAt: number } | undefined;
  /** A head seen within two block times is fresh enough to price a pause. */
  const headFreshMs = Math.max(2_000, chain.blockTime * 2_000);
  /** Prefetched reads younger than a quarter block are as good as fresh ones; older ones are dropped. */
  const prefetchFreshMs = Math.max(250, chain.blockTime * 250);

  const readContained = (target: ResolvedPauseTarget, blockNumber?: bigint) => readTargetContained({ client, target, blockNumber });

  const pendingNonce = () => client.getTransactionCount({ address: guardianAddress, blockTag: params.nonceBlockTag ?? 'pending' });

  async function currentFees(): Promise<HeadFees> {
    const price = (baseFee: bigint) => pauseFees({ baseFee, feeMultiplier: guardian.feeMultiplier, priorityFee: guardian.priorityFee });
    if (newestHead && Date.now() - newestHead.seenAt <= headFreshMs) {
      return { fees: price(newestHead.baseFee), blockNumber: newestHead.number };
    }
    const block = await client.getBlock({ blockTag: 'latest' });
    const baseFee = block.baseFeePerGas ?? (await client.getGasPrice());
    return { fees: price(baseFee), blockNumber: Number(block.number) };
  }

  function readState(target: ResolvedPauseTarget): Promise<PauseReads> {
    return Promise.all([readContained(target), pendingNonce(), currentFees(), params.calls.build(target)]);
  }

  return {
    readContained,
    pendingNonce,
    currentFees,
    readState,
    prefetch(target) {
      const existing = prefetched.get(target.id);
      if (existing && Date.now() - existing.at <= prefetchFreshMs) return undefined;
      const reads = readState(target);
      reads.catch(() => {}); // a failed prefetch is read again by pause()
      prefetched.set(target.id, { reads, at: Date.now() });
      return reads;
    },
    takePrefetched(targetId) {
      const entry = prefetched.get(targetId);
      prefetched.delete(targetId);
      if (!entry || Date.now() - entry.at > prefetchFreshMs) return undefined;
      return entry.reads;
    },
    observeHead(head) {
      if (head.baseFeePerGas === undefined) return;
      if (!newestHead || head.number >= newestHead.number) newestHead = { number: head.number, baseFee: head.baseFeePerGas, seenAt: Date.now() };
    },
  };
}
