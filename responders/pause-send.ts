/**
 * Sending a NEW pause tx, holding the target and guardian locks: sign, persist the record (nonce, hash,
 * signed bytes) and record `tx-prepared` BEFORE the broadcast, then broadcast.
 *
 * Guarantees:
 * - Never broadcasts after losing the target lock (the commit is fenced by the lock token).
 * - A broadcast that got no answer (connection failed, timed out) may still have reached the node: the
 *   record stays `pending` and a PauseTransientError is thrown, so the retried job follows that tx
 *   (re-broadcasting it if the node does not know it) instead of sending another.
 * - A rejected broadcast marks the record `rejected`, records `containment-failed` with the node's
 *   words, and drops the guardian's last-nonce hint, so the next pause signs the nonce the node
 *   expects instead of one past it (a gap that would never be mined).
 * - Releases the locks in every case.
 */
import { BaseError, HttpRequestError, TimeoutError, type Hex } from 'viem';
import type { PauseOutcome } from './pause-guardian.js';
import { recordFailure, type FollowContext } from './pause-follow.js';
import type { HeadFees } from './pause-reads.js';
import { storePauseCall, type AcquireResult, type PauseRecord } from './pause-record.js';
import type { PauseCall } from './pause-route.js';
import { describeRpcError, isAlreadyKnown, isNonceTooLow, PauseTransientError } from './rpc-errors.js';

export interface SendNewPauseParameters {
  ctx: FollowContext;
  /** An acquired lock (its token fences the commit). */
  lock: AcquireResult;
  pendingNonce: number;
  head: HeadFees;
  /** What to send (pause-route.ts). */
  call: PauseCall;
}

/**
 * Resolves with the record of the broadcast tx (to follow), with a failed outcome (already recorded),
 * or 'lost' when the node says the nonce was already used (the caller decides again with fresh reads).
 * @throws PauseTransientError when the lock was lost before the broadcast (nothing was sent), or when
 *   the broadcast got no answer (the tx is recorded as pending).
 */
export async function sendNewPause({ ctx, lock, pendingNonce, head, call }: SendNewPauseParameters): Promise<PauseRecord | PauseOutcome | 'lost'> {
  const { target } = ctx;
  try {
    // The hint covers a sibling's broadcast that the node had not yet counted when we read the nonce.
    const nonce = Math.max(pendingNonce, lock.lastNonce !== undefined ? lock.lastNonce + 1 : 0);
    const { raw, hash } = await ctx.sign(nonce, head.fees, call);
    const record: PauseRecord = {
      targetId: target.id,
      chainId: target.chainId,
      address: target.address,
      selector: target.selector,
      incidentId: ctx.incidentId,
      nonce,
      txHashes: [hash],
      rawTx: raw,
      maxFeePerGas: head.fees.maxFeePerGas.toString(),
      maxPriorityFeePerGas: head.fees.maxPriorityFeePerGas.toString(),
      sentAtBlock: head.blockNumber,
      status: 'pending',
      call: storePauseCall(call),
      updatedAt: Date.now(),
    };
    const tx = {
      txHash: hash,
      nonce,
      maxFeePerGas: record.maxFeePerGas,
      maxPriorityFeePerGas: record.maxPriorityFeePerGas,
      gasLimit: call.gas.toString(),
      ...(call.to !== target.address ? { to: call.to, via: target.route.mode } : {}),
      ...call.safeTx,
    };
    const [committed] = await Promise.all([
      ctx.store.commit(lock.token, record),
      ctx.record(ctx.entry('tx-prepared', { ...tx, headBlock: head.blockNumber }), `tx-prepared:${hash}`),
    ]);
    if (!committed) throw new PauseTransientError(`lost the pause lock of ${target.id} before broadcasting; not sending`);
    const sentAt = Date.now();
    const sentMonoNs = process.hrtime.bigint().toString();
    const rejection = await broadcastOrRejection(ctx, raw);
    if (rejection === 'nonce too low') {
      // Our nonce read was stale (another tx of the guardian was mined since): nothing was sent.
      await Promise.all([ctx.store.update({ ...record, status: 'lost', reason: 'nonce too low' }), ctx.store.forgetNonceHint(nonce)]);
      ctx.log.warn({ nonce }, 'the pause tx nonce was already used; deciding again with fresh reads');
      return 'lost';
    }
    if (rejection !== undefined) {
      const reason = `the node rejected the pause tx: ${rejection}`;
      await Promise.all([ctx.store.update({ ...record, status: 'rejected', reason }), ctx.store.forgetNonceHint(nonce)]);
      return recordFailure(ctx, reason, hash);
    }
    // Stamped when the tx left for the node (what head→broadcast measures); the node's answer came later.
    const broadcastEntry = { ...ctx.entry('tx-broadcast', { ...tx, acceptedMonoNs: process.hrtime.bigint().toString() }), at: sentAt, monoNs: sentMonoNs };
    await Promise.all([ctx.record(broadcastEntry, `tx-broadcast:${hash}`), ctx.store.release(lock.token)]);
    ctx.log.info({ txHash: hash, nonce, maxFeePerGas: record.maxFeePerGas, block: head.blockNumber }, 'pause tx broadcast');
    return record;
  } finally {
    await ctx.store.release(lock.token).catch(() => {});
  }
}

/** Undefined when the node took the tx (or already had it); else the node's reason, sanitized. */
async function broadcastOrRejection(ctx: FollowContext, raw: Hex): Promise<string | undefined> {
  try {
    await ctx.broadcast(raw);
    return undefined;
  } catch (error) {
    if (isAlreadyKnown(error)) return undefined;
    if (isNonceTooLow(error)) return 'nonce too low';
    if (gotNoAnswer(error)) throw new PauseTransientError(`the broadcast of the pause tx got no answer (${describeRpcError(error)}); a retry follows the recorded tx`);
    return describeRpcError(error);
  }
}

/** No HTTP status and no JSON-RPC error: the node may or may not have the tx. */
function gotNoAnswer(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false;
  return Boolean(error.walk((e) => e instanceof TimeoutError || (e instanceof HttpRequestError && e.status === undefined)));
}
