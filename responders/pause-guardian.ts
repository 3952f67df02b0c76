/**
 * The guardian pause responder: contains a protocol by calling its configured pause function from the
 * guardian EOA. Guarantees (DESIGN invariants 3 and 4):
 * - It calls only the configured (target, function, args) of `targetId`; anomaly data chooses nothing.
 * - It reads the check first; already contained → records `already-contained`, sends nothing.
 * - Across workers and replicas sharing a Redis, one target gets at most one pause tx in flight: the
 *   decision to send is made under a Redis lock, and the nonce, tx hash and signed tx are persisted
 *   (and `tx-prepared` recorded) BEFORE the broadcast. A retried job, or a second replica, finds that
 *   record and follows the same tx instead of sending another.
 * - Not mined within `replaceAfterBlocks`: replaced at the same nonce with fees bumped ≥ 12.5%.
 * - A revert is explained (e.g. missing role) and recorded as `containment-failed`; never retried blindly.
 *
 * Latency: pause() → broadcast is three sequential round-trip stages: (check ∥ nonce ∥ latest block ∥
 * Redis lock) → (persist record ∥ record tx-prepared) → eth_sendRawTransaction. Signing is local and
 * the gas limit is configured, not estimated.
 *
 * @example
 * const pauser = createGuardianPauser({ chain, publicClient, account, guardian, targets, redis, keyPrefix, log });
 * const outcome = await pauser.pause({ targetId: 'pause-vault', incidentId, record: (entry, o) => incidents.append(...) });
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { decodeFunctionResult, keccak256, type Address, type Hex, type LocalAccount, type PublicClient } from 'viem';
import type { ChainConfig, GuardianConfig } from '../src/config/schema.js';
import { timelineEntry, type TimelineEntry, type TimelineEntryType } from '../src/incidents/types.js';
import { pauseFees, type Fees } from './pause-fees.js';
import { followPauseTx, type FollowContext } from './pause-follow.js';
import { createPauseRecordStore, type AcquireResult, type PauseRecord, type PauseRecordStore } from './pause-record.js';
import { checkMatches, type ResolvedPauseTarget } from './pause-targets.js';
import { describeRpcError, isAlreadyKnown, PauseTransientError, sleep } from './rpc-errors.js';

export { resolvePauseTargets, type ResolvedPauseTarget } from './pause-targets.js';
export { PauseTransientError } from './rpc-errors.js';

export interface PauseParameters {
  targetId: string;
  incidentId: string;
  /** Appends to the incident timeline; `onceKey` makes an entry idempotent under retries. */
  record(entry: TimelineEntry, options?: { onceKey?: string }): Promise<unknown>;
}

export interface PauseOutcome {
  status: 'paused' | 'already-contained' | 'failed';
  targetId: string;
  txHash?: Hex;
  blockNumber?: number;
  reason?: string;
}

export interface GuardianPauser {
  chainId: number;
  guardianAddress: Address;
  targetIds: string[];
  /** Resolves once the background warm-up (a throwaway signature, one check read) is done. Never rejects. */
  warmedUp(): Promise<void>;
  /**
   * The follower hands every new head here: a pause then prices itself from the newest head's base
   * fee instead of fetching the latest block (one round trip less between detection and broadcast).
   */
  observeHead(head: { number: number; baseFeePerGas?: bigint }): void;
  /**
   * Starts the reads a pause of `targetId` decides on (check, nonce, fees) right at detection, so they
   * overlap with opening the incident; the next pause() of that target uses them if still fresh.
   */
  prefetch(targetId: string): void;
  /**
   * Resolves with the outcome (failures included, already recorded as `containment-failed`).
   * @throws PauseTransientError or an RPC/Redis error when a retry can help (the job is retried).
   */
  pause(params: PauseParameters): Promise<PauseOutcome>;
}

type PauseReads = [contained: boolean, pendingNonce: number, head: { fees: Fees; blockNumber: number }];

export interface CreateGuardianPauserParameters {
  chain: ChainConfig;
  publicClient: PublicClient;
  account: LocalAccount;
  guardian: GuardianConfig;
  targets: ResolvedPauseTarget[];
  redis: Redis;
  keyPrefix: string;
  log: Logger;
  /** Receipt polling interval; default a quarter of the block time, between 50 ms and 1 s. */
  pollIntervalMs?: number;
  /** How long to wait for another worker's lock before failing the job (so it retries). Default 30 s. */
  lockWaitMs?: number;
  /** Replacements before giving up on a tx that is not mined. Default 5. */
  maxReplacements?: number;
}

export function createGuardianPauser(params: CreateGuardianPauserParameters): GuardianPauser {
  const { chain, publicClient: client, account, guardian, log } = params;
  const targets = new Map(params.targets.map((target) => [target.id, target]));
  const stores = new Map<string, PauseRecordStore>(
    params.targets.map((target) => [
      target.id,
      createPauseRecordStore({
        redis: params.redis,
        keyPrefix: params.keyPrefix,
        chainId: chain.id,
        address: target.address,
        selector: target.selector,
        guardian: account.address,
      }),
    ]),
  );
  const lockWaitMs = params.lockWaitMs ?? 30_000;
  const inFlight = new Map<string, Promise<PauseOutcome>>();
  const prefetched = new Map<string, { reads: Promise<PauseReads>; at: number }>();

  /** The three reads a pause decides on: is it contained, the guardian's pending nonce, and the fees. */
  function readState(target: ResolvedPauseTarget): Promise<PauseReads> {
    return Promise.all([
      readContained(target),
      client.getTransactionCount({ address: account.address, blockTag: 'pending' }),
      currentFees(),
    ]);
  }

  /** Prefetched reads younger than a quarter block are as good as fresh ones; older ones are dropped. */
  function takePrefetched(targetId: string): Promise<PauseReads> | undefined {
    const entry = prefetched.get(targetId);
    prefetched.delete(targetId);
    if (!entry || Date.now() - entry.at > Math.max(250, chain.blockTime * 250)) return undefined;
    return entry.reads;
  }

  async function readContained(target: ResolvedPauseTarget, blockNumber?: bigint): Promise<boolean> {
    const { data } = await client.call({ to: target.address, data: target.check.calldata, blockNumber });
    if (!data || data === '0x') {
      throw new PauseTransientError(`${target.check.function.name}() on ${target.contract} returned nothing (no code at ${target.address}?)`);
    }
    const value = decodeFunctionResult({ abi: [target.check.function], functionName: target.check.function.name, data });
    return checkMatches(value, target.check.expect);
  }

  let newestHead: { number: number; baseFee: bigint; seenAt: number } | undefined;
  /** A head seen within two block times is fresh enough to price a pause. */
  const headFreshMs = Math.max(2_000, chain.blockTime * 2_000);

  async function currentFees(): Promise<{ fees: Fees; blockNumber: number }> {
    if (newestHead && Date.now() - newestHead.seenAt <= headFreshMs) {
      return {
        fees: pauseFees({ baseFee: newestHead.baseFee, feeMultiplier: guardian.feeMultiplier, priorityFee: guardian.priorityFee }),
        blockNumber: newestHead.number,
      };
    }
    const block = await client.getBlock({ blockTag: 'latest' });
    const baseFee = block.baseFeePerGas ?? (await client.getGasPrice());
    return {
      fees: pauseFees({ baseFee, feeMultiplier: guardian.feeMultiplier, priorityFee: guardian.priorityFee }),
      blockNumber: Number(block.number),
    };
  }

  async function sign(target: ResolvedPauseTarget, nonce: number, fees: Fees): Promise<{ raw: Hex; hash: Hex }> {
    const raw = await account.signTransaction({
      type: 'eip1559',
      chainId: chain.id,
      to: target.address,
      data: target.calldata,
      value: 0n,
      nonce,
      gas: target.gasLimit,
      ...fees,
    });
    return { raw, hash: keccak256(raw) };
  }

  async function broadcast(raw: Hex): Promise<void> {
    await client.request({ method: 'eth_sendRawTransaction', params: [raw] });
  }

  function contextFor(target: ResolvedPauseTarget, pause: PauseParameters): FollowContext {
    const base = {
      targetId: target.id,
      contract: target.contract,
      chainId: chain.id,
      address: target.address,
      function: `${target.function.name}()`,
    };
    return {
      target,
      store: stores.get(target.id)!,
      incidentId: pause.incidentId,
      log: log.child({ incident: pause.incidentId, target: target.id }),
      client,
      guardian: account.address,
      replaceAfterBlocks: guardian.replaceAfterBlocks,
      maxReplacements: params.maxReplacements ?? 5,
      pollIntervalMs: params.pollIntervalMs ?? Math.min(1_000, Math.max(50, chain.blockTime * 250)),
      entry: (type: TimelineEntryType, data: Record<string, unknown>) => timelineEntry(type, { ...base, ...data }),
      record: async (entry, onceKey) => void (await pause.record(entry, { onceKey })),
      readContained: (blockNumber) => readContained(target, blockNumber),
      currentFees,
      sign: (nonce, fees) => sign(target, nonce, fees),
      broadcast,
    };
  }

  async function fail(ctx: FollowContext, reason: string, txHash?: Hex, blockNumber?: number): Promise<PauseOutcome> {
    ctx.log.error({ reason, txHash, block: blockNumber }, 'containment failed');
    await ctx.record(ctx.entry('containment-failed', { reason, txHash, blockNumber }), `containment-failed:${ctx.target.id}:${txHash ?? reason}`);
    return { status: 'failed', targetId: ctx.target.id, reason, txHash, blockNumber };
  }

  /** Signs, persists and broadcasts a new pause tx. Called holding the lock; releases it. */
  async function sendNew(
    ctx: FollowContext,
    lock: AcquireResult,
    pendingNonce: number,
    head: { fees: Fees; blockNumber: number },
  ): Promise<PauseRecord | PauseOutcome> {
    try {
      // The hint covers a sibling's broadcast that the node had not yet counted when we read the nonce.
      const nonce = Math.max(pendingNonce, lock.lastNonce !== undefined ? lock.lastNonce + 1 : 0);
      const { raw, hash } = await sign(ctx.target, nonce, head.fees);
      const record: PauseRecord = {
        targetId: ctx.target.id,
        chainId: chain.id,
        address: ctx.target.address,
        selector: ctx.target.selector,
        incidentId: ctx.incidentId,
        nonce,
        txHashes: [hash],
        rawTx: raw,
        maxFeePerGas: head.fees.maxFeePerGas.toString(),
        maxPriorityFeePerGas: head.fees.maxPriorityFeePerGas.toString(),
        sentAtBlock: head.blockNumber,
        status: 'pending',
        updatedAt: Date.now(),
      };
      const tx = { txHash: hash, nonce, maxFeePerGas: record.maxFeePerGas, maxPriorityFeePerGas: record.maxPriorityFeePerGas, gasLimit: ctx.target.gasLimit.toString() };
      const [committed] = await Promise.all([
        ctx.store.commit(lock.token, record),
        ctx.record(ctx.entry('tx-prepared', { ...tx, headBlock: head.blockNumber }), `tx-prepared:${hash}`),
      ]);
      if (!committed) throw new PauseTransientError(`lost the pause lock of ${ctx.target.id} before broadcasting; not sending`);
      const sentAt = Date.now();
      const sentMonoNs = process.hrtime.bigint().toString();
      try {
        await broadcast(raw);
      } catch (error) {
        if (!isAlreadyKnown(error)) {
          const reason = `the node rejected the pause tx: ${describeRpcError(error)}`;
          await ctx.store.update({ ...record, status: 'rejected', reason });
          return fail(ctx, reason, hash);
        }
      }
      // Stamped when the tx left for the node (what head→broadcast measures); the node's answer came later.
      const broadcastEntry = { ...ctx.entry('tx-broadcast', { ...tx, acceptedMonoNs: process.hrtime.bigint().toString() }), at: sentAt, monoNs: sentMonoNs };
      await Promise.all([
        ctx.record(broadcastEntry, `tx-broadcast:${hash}`),
        ctx.store.release(lock.token),
      ]);
      ctx.log.info({ txHash: hash, nonce, maxFeePerGas: record.maxFeePerGas, block: head.blockNumber }, 'pause tx broadcast');
      return record;
    } finally {
      await ctx.store.release(lock.token).catch(() => {});
    }
  }

  /**
   * The first signature builds secp256k1 precomputation tables and the first call JIT-compiles
   * viem's request and format paths: ~5-10 ms that would otherwise land on the first real pause.
   * Three reads at startup, none per block.
   */
  const warmedUp = (async () => {
    const [first] = targets.values();
    await Promise.all([
      account.signTransaction({ type: 'eip1559', chainId: chain.id, nonce: 0, gas: 21_000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n, to: account.address }),
      first ? readContained(first).catch(() => undefined) : undefined,
      client.getTransactionCount({ address: account.address, blockTag: 'pending' }),
      currentFees(),
    ]);
  })().catch((error: unknown) => log.debug({ err: describeRpcError(error) }, 'pauser warm-up failed'));

  return {
    chainId: chain.id,
    guardianAddress: account.address,
    targetIds: [...targets.keys()],
    warmedUp: () => warmedUp.then(() => undefined),
    prefetch(targetId) {
      const target = targets.get(targetId);
      if (!target || inFlight.size > 0) return;
      const reads = readState(target);
      reads.catch(() => {}); // a failed prefetch is read again by pause()
      prefetched.set(targetId, { reads, at: Date.now() });
    },
    observeHead(head) {
      if (head.baseFeePerGas === undefined) return;
      if (!newestHead || head.number >= newestHead.number) newestHead = { number: head.number, baseFee: head.baseFeePerGas, seenAt: Date.now() };
    },
    pause(pause) {
      // Single flight within this process: anomalies of one incident arriving together (often several
      // detectors fire on the same block) share one pause run instead of contending for the Redis lock.
      const key = `${pause.targetId}|${pause.incidentId}`;
      const running = inFlight.get(key);
      if (running) return running;
      const run = pauseOnce(pause).finally(() => inFlight.delete(key));
      inFlight.set(key, run);
      return run;
    },
  };

  async function pauseOnce(pause: PauseParameters): Promise<PauseOutcome> {
    const target = targets.get(pause.targetId);
    if (!target) {
      const reason = `no pause target "${pause.targetId}" on chain ${chain.name} (configured: ${[...targets.keys()].join(', ') || 'none'})`;
      await pause.record(timelineEntry('containment-failed', { targetId: pause.targetId, chainId: chain.id, reason }), { onceKey: `containment-failed:${pause.targetId}` });
      return { status: 'failed', targetId: pause.targetId, reason };
    }
    const ctx = contextFor(target, pause);
    const deadline = Date.now() + lockWaitMs;
    for (let lost = 0; lost < 3; ) {
      const acquiring = ctx.store.acquire();
      // The first round may use reads started at detection (prefetch); later rounds read afresh.
      const reads = (lost === 0 && takePrefetched(target.id)) || readState(target);
      const [[contained, pendingNonce, head], lock] = await Promise.all([reads, acquiring]).catch(async (error: unknown) => {
        // Do not leave the lock to its TTL: the retried job would wait for it.
        const taken = await acquiring.catch(() => undefined);
        if (taken?.acquired) await ctx.store.release(taken.token).catch(() => {});
        throw error;
      });
      const prior = lock.record;
      if (contained) {
        if (lock.acquired) await ctx.store.release(lock.token);
        if (prior?.incidentId === pause.incidentId && prior.status === 'mined' && prior.verified) {
          return { status: 'paused', targetId: target.id, txHash: prior.minedTxHash, blockNumber: prior.blockNumber };
        }
        await ctx.record(ctx.entry('already-contained', { check: `${target.check.function.name}()`, expect: target.check.expect }), `already-contained:${target.id}`);
        ctx.log.info('already contained; no tx sent');
        return { status: 'already-contained', targetId: target.id };
      }
      if (!lock.acquired) {
        // Another worker is deciding for this target (or sending another pause with this guardian).
        if (Date.now() > deadline) throw new PauseTransientError(`pause lock of ${target.id} still held after ${lockWaitMs} ms`);
        await sleep(5);
        continue;
      }
      if (prior?.status === 'pending') {
        await ctx.store.release(lock.token);
        ctx.log.info({ txHash: prior.txHashes.at(-1), nonce: prior.nonce }, 'a pause tx is already in flight; following it');
        const outcome = await followPauseTx(ctx, prior, { fresh: false });
        if (outcome === 'lost') lost += 1;
        else return outcome;
        continue;
      }
      if (prior?.incidentId === pause.incidentId && (prior.status === 'reverted' || (prior.status === 'mined' && !prior.verified))) {
        await ctx.store.release(lock.token);
        return fail(ctx, prior.reason ?? 'the pause tx of this incident failed', prior.minedTxHash, prior.blockNumber);
      }
      const sent = await sendNew(ctx, lock, pendingNonce, head);
      if (!('txHashes' in sent)) return sent;
      const outcome = await followPauseTx(ctx, sent, { fresh: true });
      if (outcome !== 'lost') return outcome;
      lost += 1;
    }
    return fail(ctx, 'the pause tx was lost three times (its nonce was used by other transactions of the guardian)');
  }
}
