/**
 * The chain reads a pause decides on — is the target contained, the guardian's pending nonce, the
 * fees — and the two ways they are made cheaper: prefetched at detection, and priced from the
 * newest head the follower saw instead of fetching the latest block.
 *
 * Guarantees:
 * - prefetched reads are handed out once and only while younger than a quarter block (at least
 *   250 ms); the caller must still re-read the check under the lock when a prior pause record could
 *   be newer than them (see pause-guardian);
 * - a nonce or block number is read as a JSON-RPC quantity (a hex string below 2^53), never as
 *   whatever viem makes of the answer: a provider answering the JSON number `42` would otherwise have
 *   the pause signed at nonce 42, behind a gap it never leaves. The pending nonce is read with the
 *   mined one (one batched request) and refused when below it. A malformed nonce is read again, then
 *   a PauseTransientError (the job is retried);
 * - a receipt counts only if it is the receipt of the hash asked for, with the fields a pause settles
 *   on: another tx's receipt (a provider mixing answers up) or one with fields missing is no receipt yet.
 */
import { BaseError, decodeFunctionResult, TransactionReceiptNotFoundError, type Address, type Hex, type PublicClient, type TransactionReceipt } from 'viem';
import type { Logger } from 'pino';
import { toHeader } from '../src/chain/block-header.js';
import { MalformedAnswerError, parseQuantity } from '../src/chain/rpc-values.js';
import { describeError } from '../src/errors.js';
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

/**
 * The nonce of `address` at `blockTag`, read as a quantity (viem's getTransactionCount takes a JSON
 * number as is).
 * @throws MalformedAnswerError for any other answer.
 */
export async function readNonce(client: PublicClient, address: Address, blockTag: 'pending' | 'latest'): Promise<number> {
  const answer: unknown = await client.request({ method: 'eth_getTransactionCount', params: [address, blockTag] });
  return parseQuantity(answer, `eth_getTransactionCount(${blockTag})`);
}

/**
 * The head's number, read as a quantity: an 80-digit answer would freeze the blocks a pause counts
 * before it is replaced (pause-follow).
 * @throws MalformedAnswerError for any other answer.
 */
export async function readBlockNumber(client: PublicClient): Promise<number> {
  return parseQuantity(await client.request({ method: 'eth_blockNumber' }), 'eth_blockNumber');
}

/**
 * The receipt of the first of `hashes` (a pause's versions) that has one; undefined when none has yet.
 * An answer that is not a receipt of the hash asked for is logged and counts as none (the next round reads again).
 */
export async function findOwnReceipt(params: { client: PublicClient; hashes: readonly Hex[]; log: Logger }): Promise<TransactionReceipt | undefined> {
  const receipts = await Promise.all(
    params.hashes.map(async (hash) => {
      let flaw: string | undefined;
      const receipt = await params.client.getTransactionReceipt({ hash }).catch((error: unknown) => {
        if (error instanceof TransactionReceiptNotFoundError) return undefined;
        // Not an RPC error: viem could not even format the answer (e.g. no `logs` to map).
        if (!(error instanceof BaseError)) flaw = `malformed: ${describeError(error)}`;
        else throw error;
        return undefined;
      });
      flaw ??= receipt && receiptFlaw(receipt, hash);
      if (flaw) params.log.warn({ txHash: hash, flaw }, 'ignoring a receipt that is not the pause tx\'s: no receipt yet');
      return flaw ? undefined : receipt;
    }),
  );
  return receipts.find((receipt) => receipt !== undefined);
}

/** What makes `receipt` unusable as the receipt of `hash`, if anything. */
function receiptFlaw(receipt: TransactionReceipt, hash: Hex): string | undefined {
  if (typeof receipt.transactionHash !== 'string' || receipt.transactionHash.toLowerCase() !== hash.toLowerCase()) {
    return `it is the receipt of another transaction (${String(receipt.transactionHash)})`;
  }
  if (receipt.status !== 'success' && receipt.status !== 'reverted') return 'no status';
  if (typeof receipt.blockNumber !== 'bigint' || receipt.blockNumber < 0n || receipt.blockNumber > BigInt(Number.MAX_SAFE_INTEGER)) return 'no usable block number';
  if (typeof receipt.blockHash !== 'string' || !/^0x[0-9a-f]{64}$/i.test(receipt.blockHash)) return 'no block hash';
  if (typeof receipt.gasUsed !== 'bigint') return 'no gasUsed';
  return undefined;
}

/** Reads of a malformed nonce answer, in all, before the pause fails with a PauseTransientError. */
const nonceReadAttempts = 3;

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

  async function pendingNonce(): Promise<number> {
    const tag = params.nonceBlockTag ?? 'pending';
    for (let attempt = 1; ; attempt++) {
      try {
        if (tag === 'latest') return await readNonce(client, guardianAddress, 'latest');
        const [pending, mined] = await Promise.all([readNonce(client, guardianAddress, 'pending'), readNonce(client, guardianAddress, 'latest')]);
        // Impossible from one honest node: one of the two answers is wrong, and a pause signed on it would not land.
        if (pending < mined) throw new MalformedAnswerError(`pending nonce ${pending} is below the mined nonce ${mined}`);
        return pending;
      } catch (error) {
        if (!(error instanceof MalformedAnswerError)) throw error;
        if (attempt >= nonceReadAttempts) throw new PauseTransientError(`the guardian's nonce could not be read (${nonceReadAttempts} answers): ${error.message}`);
      }
    }
  }

  async function currentFees(): Promise<HeadFees> {
    const price = (baseFee: bigint) => pauseFees({ baseFee, feeMultiplier: guardian.feeMultiplier, priorityFee: guardian.priorityFee });
    if (newestHead && Date.now() - newestHead.seenAt <= headFreshMs) {
      return { fees: price(newestHead.baseFee), blockNumber: newestHead.number };
    }
    const block = toHeader(await client.getBlock({ blockTag: 'latest' }));
    const baseFee = block.baseFeePerGas ?? (await client.getGasPrice());
    return { fees: price(baseFee), blockNumber: block.number };
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
