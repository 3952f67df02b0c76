/**
 * Following a pause tx to its end: wait for a receipt of any of its versions, re-broadcast it if the
 * node forgot it, replace it (same nonce, fees bumped) when it is not mined within N blocks, and on
 * the receipt verify the check or explain the revert. Used both by the sender and by any other worker
 * that finds the tx in flight, so every incident involved gets the entries of the one tx.
 */
import type { Logger } from 'pino';
import { TransactionNotFoundError, type Address, type Hex, type PublicClient, type TransactionReceipt } from 'viem';
import type { TimelineEntry, TimelineEntryType } from '../src/incidents/types.js';
import type { PauseOutcome } from './pause-guardian.js';
import { replacementFees, type Fees } from './pause-fees.js';
import type { PauseRecord, PauseRecordStore } from './pause-record.js';
import type { PauseCall } from './pause-route.js';
import type { ResolvedPauseTarget } from './pause-targets.js';
import { explainRevert } from './revert-reason.js';
import { safeAbi } from './safe/safe-tx.js';
import { sleep } from '../src/chain/retry.js';
import { describeRpcError, isAlreadyKnown, isNonceTooLow } from './rpc-errors.js';
import { findOwnReceipt, readBlockNumber, readNonce } from './pause-reads.js';

/** Rounds, at successive heads, that a pause must be seen queued behind a nonce gap before it is given up. */
const gapRoundsToGiveUp = 3;

export interface FollowContext {
  target: ResolvedPauseTarget;
  store: PauseRecordStore;
  incidentId: string;
  log: Logger;
  client: PublicClient;
  guardian: Address;
  replaceAfterBlocks: number;
  maxReplacements: number;
  pollIntervalMs: number;
  entry(type: TimelineEntryType, data: Record<string, unknown>): TimelineEntry;
  record(entry: TimelineEntry, onceKey?: string): Promise<void>;
  readContained(blockNumber?: bigint): Promise<boolean>;
  currentFees(): Promise<{ fees: Fees; blockNumber: number }>;
  sign(nonce: number, fees: Fees, call: PauseCall): Promise<{ raw: Hex; hash: Hex }>;
  /** The call a record's versions send (records from before Safe routes called the target directly). */
  callOf(record: PauseRecord): PauseCall;
  broadcast(raw: Hex): Promise<void>;
}

/**
 * Resolves with the outcome, or 'lost' when the record's nonce was used by a tx that is none of its
 * versions (the caller then decides afresh). `fresh`: we just broadcast it (skip the mempool check
 * until a block passes); otherwise check at once, in case its sender crashed before broadcasting.
 *
 * Never replaces a version that is mined: each round reads the head first and then the receipts, so a
 * version mined at or below that head is seen before a replacement is decided on. A block that did not
 * include the tx counts from the first head read after each broadcast of ours (a block mined before the
 * tx reached the node says nothing about its fees). A replacement the node refuses as "nonce too low"
 * was beaten by a mined version: the next round, at once, ends with that version's receipt.
 *
 * A pause the node keeps queued behind a nonce gap (the guardian's mined nonce is below it and no
 * pending tx fills the gap: signed on a wrong nonce) cannot be helped by a fee bump: it is not
 * replaced, and once seen so at `gapRoundsToGiveUp` heads it is given up as 'lost' (and its nonce
 * forgotten as a hint), so deciding afresh signs on a fresh nonce read.
 */
export async function followPauseTx(ctx: FollowContext, initial: PauseRecord, options: { fresh: boolean }): Promise<PauseOutcome | 'lost'> {
  let current = initial;
  let lastSeenBlock = options.fresh ? initial.sentAtBlock : -1;
  /** Blocks after this one that do not include the tx make it stuck; undefined: the next head read sets it. */
  let baseline: number | undefined = options.fresh ? undefined : initial.sentAtBlock;
  let replacements = 0;
  let gapRounds = 0;
  for (;;) {
    // Head first, then receipts: a version mined at or below `blockNumber` is seen now.
    const blockNumber = await readBlockNumber(ctx.client);
    const receipt = await findOwnReceipt({ client: ctx.client, hashes: current.txHashes, log: ctx.log });
    if (receipt) return settle(ctx, current, receipt);
    baseline ??= Math.max(current.sentAtBlock, blockNumber);
    if (blockNumber > lastSeenBlock) {
      lastSeenBlock = blockNumber;
      const adopted = await adoptSiblingVersions(ctx, current);
      if (adopted !== current) [current, baseline] = [adopted, adopted.sentAtBlock];
      const state = await mempoolState(ctx, current);
      if (state === 'nonce-used') {
        // Read the versions again: a sibling may have just replaced the tx, and that version was mined.
        current = await adoptSiblingVersions(ctx, current);
        const late = await findOwnReceipt({ client: ctx.client, hashes: current.txHashes, log: ctx.log });
        if (late) return settle(ctx, current, late);
        // None of ours: deciding afresh reads the check first, so a pause of ours that did land (a
        // receipt this endpoint does not show yet) ends as contained, not as a second pause.
        const reason = `nonce ${current.nonce} was used by another transaction of the guardian`;
        ctx.log.warn({ nonce: current.nonce, txHashes: current.txHashes }, `pause tx lost: ${reason}`);
        await ctx.store.update({ ...current, status: 'lost', reason });
        return 'lost';
      }
      if (state === 'dropped') {
        ctx.log.warn({ txHash: current.txHashes.at(-1), nonce: current.nonce }, 'pause tx unknown to the node; re-broadcasting it');
        const taken = await ctx.broadcast(current.rawTx).then(
          () => true,
          (error: unknown) => {
            if (isAlreadyKnown(error)) return true;
            ctx.log.warn({ err: describeRpcError(error) }, 're-broadcast failed');
            return false; // e.g. its max fee is below the base fee now: only a replacement helps
          },
        );
        // The node did not have it: the blocks so far say nothing about its fees.
        if (taken) baseline = undefined;
      }
      const due = baseline !== undefined && blockNumber - baseline >= ctx.replaceAfterBlocks;
      if (due && state === 'known' && (await behindNonceGap(ctx, current))) {
        if (++gapRounds >= gapRoundsToGiveUp) {
          const reason = `nonce ${current.nonce} is above the guardian's next nonce, with nothing pending below it: the tx waits behind a nonce gap`;
          ctx.log.warn({ nonce: current.nonce, txHashes: current.txHashes }, `pause tx lost: ${reason}`);
          await Promise.all([ctx.store.update({ ...current, status: 'lost', reason }), ctx.store.forgetNonceHint(current.nonce)]);
          return 'lost';
        }
        ctx.log.warn({ nonce: current.nonce, block: blockNumber }, 'pause tx waits behind a nonce gap: not replacing it (a fee bump cannot help)');
      } else if (due) {
        gapRounds = 0;
        if (replacements >= ctx.maxReplacements) {
          const reason = `the pause tx (nonce ${current.nonce}) was not mined after ${replacements} replacements`;
          return recordFailure(ctx, reason, current.txHashes.at(-1));
        }
        const replaced = await replace(ctx, current, blockNumber);
        if (replaced.record !== current) [current, baseline] = [replaced.record, replaced.broadcast === 'sent' ? undefined : replaced.record.sentAtBlock];
        replacements += replaced.broadcast === 'sent' ? 1 : 0;
        if (replaced.broadcast === 'nonce-used') continue; // a version was mined meanwhile: find its receipt now
      }
    }
    await sleep(ctx.pollIntervalMs);
  }
}

/** The stored record when a sibling worker replaced the tx since (more versions): watch every hash. */
async function adoptSiblingVersions(ctx: FollowContext, current: PauseRecord): Promise<PauseRecord> {
  const stored = await ctx.store.read();
  return stored && stored.nonce === current.nonce && stored.txHashes.length > current.txHashes.length ? stored : current;
}

async function mempoolState(ctx: FollowContext, record: PauseRecord): Promise<'known' | 'dropped' | 'nonce-used'> {
  const hash = record.txHashes.at(-1)!;
  const known = await ctx.client.getTransaction({ hash }).catch((error) => {
    if (error instanceof TransactionNotFoundError) return undefined;
    throw error;
  });
  // Another tx answered for ours says nothing about ours.
  if (known && typeof known.hash === 'string' && known.hash.toLowerCase() === hash.toLowerCase()) return 'known';
  const minedNonce = await readNonce(ctx.client, ctx.guardian, 'latest');
  return minedNonce > record.nonce ? 'nonce-used' : 'dropped';
}

/** The node keeps `record` queued: the guardian's mined nonce is below it and the pending ones do not reach it. */
async function behindNonceGap(ctx: FollowContext, record: PauseRecord): Promise<boolean> {
  const [pending, mined] = await Promise.all([readNonce(ctx.client, ctx.guardian, 'pending'), readNonce(ctx.client, ctx.guardian, 'latest')]);
  return mined < record.nonce && pending <= record.nonce;
}

interface Replacement {
  /** The record to follow: with the new version, or `current` (or a sibling's) when we did not replace. */
  record: PauseRecord;
  /** 'sent': the node has our replacement; 'nonce-used': it refused it, a version was mined first; 'none': not ours to send. */
  broadcast: 'sent' | 'nonce-used' | 'none';
}

/** Replaces the stuck version at the same nonce, under the lock so only one worker bumps. */
async function replace(ctx: FollowContext, current: PauseRecord, blockNumber: number): Promise<Replacement> {
  const lock = await ctx.store.acquire();
  if (!lock.acquired) return { record: current, broadcast: 'none' }; // someone else is on it; look again next block
  try {
    const stored = lock.record;
    if (!stored || stored.nonce !== current.nonce || stored.status !== 'pending') return { record: current, broadcast: 'none' };
    if (stored.txHashes.length > current.txHashes.length) return { record: stored, broadcast: 'none' };
    const previous = { maxFeePerGas: BigInt(stored.maxFeePerGas), maxPriorityFeePerGas: BigInt(stored.maxPriorityFeePerGas) };
    const fees = replacementFees(previous, (await ctx.currentFees()).fees);
    const { raw, hash } = await ctx.sign(stored.nonce, fees, ctx.callOf(stored));
    const next: PauseRecord = {
      ...stored,
      txHashes: [...stored.txHashes, hash],
      rawTx: raw,
      maxFeePerGas: fees.maxFeePerGas.toString(),
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString(),
      sentAtBlock: blockNumber,
      updatedAt: Date.now(),
    };
    const data = {
      replacedTxHash: stored.txHashes.at(-1),
      txHash: hash,
      nonce: stored.nonce,
      maxFeePerGas: next.maxFeePerGas,
      maxPriorityFeePerGas: next.maxPriorityFeePerGas,
      blocksWaited: blockNumber - stored.sentAtBlock,
    };
    // Persisted (and recorded) before the broadcast, like the first version: a crash right after it
    // leaves a record that names every version that may be mined.
    const [committed] = await Promise.all([ctx.store.commit(lock.token, next), ctx.record(ctx.entry('tx-replaced', data), `tx-replaced:${hash}`)]);
    if (!committed) return { record: current, broadcast: 'none' };
    try {
      await ctx.broadcast(raw);
    } catch (error) {
      if (isNonceTooLow(error)) {
        ctx.log.info({ txHash: hash, nonce: stored.nonce }, 'replacement refused (nonce too low): a previous version of the pause tx was mined meanwhile');
        return { record: next, broadcast: 'nonce-used' };
      }
      if (!isAlreadyKnown(error)) ctx.log.warn({ err: describeRpcError(error) }, 'replacement broadcast failed');
    }
    ctx.log.warn(data, 'pause tx not mined in time; replaced it with higher fees');
    return { record: next, broadcast: 'sent' };
  } finally {
    await ctx.store.release(lock.token);
  }
}

async function settle(ctx: FollowContext, record: PauseRecord, receipt: TransactionReceipt): Promise<PauseOutcome | 'lost'> {
  const txHash = receipt.transactionHash;
  const block = Number(receipt.blockNumber);
  const targetId = ctx.target.id;
  await ctx.record(
    ctx.entry('tx-mined', {
      txHash,
      nonce: record.nonce,
      blockNumber: block,
      status: receipt.status,
      gasUsed: receipt.gasUsed.toString(),
      effectiveGasPrice: receipt.effectiveGasPrice?.toString(),
    }),
    `tx-mined:${txHash}`,
  );
  ctx.log.info({ txHash, block, status: receipt.status }, 'pause tx mined');
  const checkName = `${ctx.target.check.function.name}()`;
  if (receipt.status === 'success') {
    if (await ctx.readContained(receipt.blockNumber)) {
      await Promise.all([
        ctx.store.update({ ...record, status: 'mined', minedTxHash: txHash, blockNumber: block, verified: true }),
        ctx.record(ctx.entry('verified-paused', { txHash, blockNumber: block, check: checkName, expect: ctx.target.check.expect }), `verified-paused:${txHash}`),
      ]);
      return { status: 'paused', targetId, txHash, blockNumber: block };
    }
    const reason = `${ctx.target.function.name}() on ${ctx.target.contract} succeeded in block ${block} but ${checkName} does not return ${String(ctx.target.check.expect)}`;
    await ctx.store.update({ ...record, status: 'mined', minedTxHash: txHash, blockNumber: block, verified: false, reason });
    return recordFailure(ctx, reason, txHash, block);
  }
  // A revert while the target reads as contained: another pause landed first (e.g. EnforcedPause).
  if (await ctx.readContained()) {
    const reason = 'reverted because the target was already paused by another transaction';
    await ctx.store.update({ ...record, status: 'reverted', minedTxHash: txHash, blockNumber: block, reason });
    await ctx.record(ctx.entry('already-contained', { txHash, blockNumber: block, note: reason }), `already-contained:${targetId}:${txHash}`);
    return { status: 'already-contained', targetId, txHash, blockNumber: block };
  }
  if (await safeNonceMoved(ctx, record)) {
    // Someone executed another SafeTx at our Safe nonce first, so our signatures no longer match:
    // decide afresh (sign the SafeTx again at the new nonce) instead of failing the containment.
    const reason = `the Safe executed another transaction at nonce ${record.call!.safeTx!.safeNonce} first`;
    ctx.log.warn({ txHash, block }, `pause through the Safe lost: ${reason}`);
    await ctx.store.update({ ...record, status: 'lost', minedTxHash: txHash, blockNumber: block, reason });
    return 'lost';
  }
  const reason = await explainRevert({ publicClient: ctx.client, target: ctx.target, guardian: ctx.guardian, blockNumber: receipt.blockNumber, call: ctx.callOf(record) });
  await ctx.store.update({ ...record, status: 'reverted', minedTxHash: txHash, blockNumber: block, reason });
  return recordFailure(ctx, reason, txHash, block);
}

/** True when the record executes a SafeTx whose Safe nonce has since been used by another SafeTx. */
async function safeNonceMoved(ctx: FollowContext, record: PauseRecord): Promise<boolean> {
  const safeTx = record.call?.safeTx;
  if (!safeTx) return false;
  const nonce = (await ctx.client.readContract({ address: safeTx.safe, abi: safeAbi, functionName: 'nonce' })) as bigint;
  return nonce > BigInt(safeTx.safeNonce);
}

/** Logs and records `containment-failed` (once per target and tx, or reason) and returns the failed outcome. */
export async function recordFailure(ctx: FollowContext, reason: string, txHash?: Hex, blockNumber?: number): Promise<PauseOutcome> {
  ctx.log.error({ reason, txHash, block: blockNumber }, 'containment failed');
  await ctx.record(ctx.entry('containment-failed', { reason, txHash, blockNumber }), `containment-failed:${ctx.target.id}:${txHash ?? reason}`);
  return { status: 'failed', targetId: ctx.target.id, reason, txHash, blockNumber };
}
