/**
 * The guardian pause responder: contains a protocol by calling its configured pause function from the
 * guardian EOA. Guarantees (DESIGN invariants 3 and 4):
 * - It calls only the configured (target, function, args) of `targetId`; anomaly data chooses nothing.
 * - It reads the check first; already contained → records `already-contained`, sends nothing.
 * - Across workers and replicas sharing a Redis, one target gets at most one pause tx in flight: the
 *   decision to send is made under a Redis lock, and the nonce, tx hash and signed tx are persisted
 *   (and `tx-prepared` recorded) BEFORE the broadcast. A retried job, or a second replica, finds that
 *   record and follows the same tx instead of sending another.
 * - Not mined within `replaceAfterBlocks` (1: the next block): replaced at the same nonce with
 *   fees bumped ≥ 12.5%; never a version already mined (pause-follow.ts reads the head, then receipts).
 * - A revert is explained (e.g. missing role) and recorded as `containment-failed`; never retried blindly.
 * - Never a second tx on stale reads: the first round may decide on reads prefetched at detection;
 *   when the record under the lock shows a mined pause, the check is read again before sending.
 * - What pause() throws is a PauseTransientError with one sanitized line (no RPC urls, no request
 *   bodies): it is logged and stored by the queue.
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
import { type Address, type Hex, type LocalAccount, type PublicClient } from 'viem';
import { sleep } from '../src/chain/retry.js';
import type { ChainConfig, GuardianConfig } from '../src/config/schema.js';
import { timelineEntry, type TimelineEntry, type TimelineEntryType } from '../src/incidents/types.js';
import { followPauseTx, recordFailure, type FollowContext } from './pause-follow.js';
import { createPauseReader } from './pause-reads.js';
import { createPauseRecordStore, loadPauseCall, type PauseRecordStore } from './pause-record.js';
import { createPauseCallBuilder, directCall } from './pause-route.js';
import { createSafeProposer, type CreateSafeProposerParameters } from './safe-proposal.js';
import { sendNewPause } from './pause-send.js';
import { createPauseSigner } from './pause-signer.js';
import type { ResolvedPauseTarget } from './pause-targets.js';
import { describeRpcError, PauseTransientError, transientPauseError } from './rpc-errors.js';

export { resolvePauseTargets, type ResolvedPauseTarget } from './pause-targets.js';
export { PauseTransientError } from './rpc-errors.js';

export interface PauseParameters {
  targetId: string;
  incidentId: string;
  /** Appends to the incident timeline; `onceKey` makes an entry idempotent under retries. */
  record(entry: TimelineEntry, options?: { onceKey?: string }): Promise<unknown>;
  /**
   * The anomaly was already part of the incident: its job is delivered again (a killed worker). If this
   * incident's pause is mined and verified, that work is done: no new pause, even if people unpaused since.
   */
  repeat?: boolean;
}

export interface PauseOutcome {
  /** `proposed`: mode safe-propose handed the pause to the Safe's co-signers (contained once they execute it). */
  status: 'paused' | 'already-contained' | 'failed' | 'proposed';
  targetId: string;
  txHash?: Hex;
  blockNumber?: number;
  reason?: string;
  /** Mode safe-propose: the proposed SafeTx and where people sign it. */
  safeTxHash?: Hex;
  signingUrl?: string;
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
   * After a reorg back to `commonAncestor`: pause txs of this pauser that were mined above it may no
   * longer be on the chain. For each, `onDropped` is told (to record it), then the same signed tx is
   * followed again as pending: found re-included, re-broadcast if the node dropped it, and only if its
   * nonce was used meanwhile is a new pause sent. Resolves with each outcome and its incident; never
   * throws (a failure is an outcome).
   */
  afterReorg(params: {
    commonAncestor: number;
    onDropped(record: { targetId: string; incidentId: string; txHash?: Hex; blockNumber: number }): Promise<unknown>;
    record(incidentId: string): PauseParameters['record'];
  }): Promise<{ incidentId: string; outcome: PauseOutcome }[]>;
  /** Mode safe-propose: looks whether the co-signers executed an outstanding proposal (call once per block). */
  watchProposals(): Promise<void>;
  /**
   * Resolves with the outcome (failures included, already recorded as `containment-failed`).
   * @throws PauseTransientError (sanitized message) when a retry can help: RPC or Redis errors, lock
   *   contention. The job is retried; nothing was recorded as failed.
   */
  pause(params: PauseParameters): Promise<PauseOutcome>;
}

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
  /** Owner keys per Safe id, for pause targets routed through a Safe (mode `safe`). */
  safeSigners?: ReadonlyMap<string, readonly LocalAccount[]>;
  /** For targets in mode safe-propose: the Safes, their Transaction Service clients, and the incidents to settle. */
  proposals?: Pick<CreateSafeProposerParameters, 'safes' | 'services' | 'incidents'>;
  /**
   * How signed pause bytes reach the node; default eth_sendRawTransaction. Fork drills pass
   * `broadcastImpersonated` (impersonation.ts). Called only after the record is persisted; its errors
   * are read like the node's (already known, nonce too low, rejected, no answer).
   */
  broadcast?: PauseBroadcast;
  /**
   * Where each target's pause record and locks live; default Redis (pause-record.ts). The offline
   * pauser of a Redis outage (src/outage) keeps them in memory.
   */
  recordStore?(target: ResolvedPauseTarget): PauseRecordStore;
  /**
   * Which nonce a new pause signs: 'pending' (default) counts the guardian's txs in the mempool.
   * Offline pausers sign the 'latest' (mined) nonce: without Redis, two replicas then sign the same
   * tx, and one nonce can only be mined once.
   */
  nonceBlockTag?: 'pending' | 'latest';
}

/** Sends the signed bytes of a pause tx of `from` (see CreateGuardianPauserParameters.broadcast). */
export type PauseBroadcast = (params: { client: PublicClient; raw: Hex; from: Address }) => Promise<void>;

export function createGuardianPauser(params: CreateGuardianPauserParameters): GuardianPauser {
  const { chain, publicClient: client, account, guardian, log } = params;
  const targets = new Map(params.targets.map((target) => [target.id, target]));
  const stores = new Map<string, PauseRecordStore>(
    params.targets.map((target) => [
      target.id,
      params.recordStore?.(target) ??
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
  const calls = createPauseCallBuilder({ client, chainId: chain.id, sender: account.address, safeSigners: params.safeSigners ?? new Map() });
  const reads = createPauseReader({ chain, client, guardianAddress: account.address, guardian, calls, nonceBlockTag: params.nonceBlockTag });

  const proposer = params.proposals
    ? createSafeProposer({
        ...params.proposals,
        chain,
        client,
        redis: params.redis,
        keyPrefix: params.keyPrefix,
        targets: params.targets,
        signers: params.safeSigners ?? new Map(),
        log,
        readContained: (target) => reads.readContained(target),
      })
    : undefined;
  const hasProposals = params.targets.some((target) => target.route.mode === 'safe-propose');

  const signer = createPauseSigner({ account, chainId: chain.id });
  const sign = signer.sign;

  async function broadcast(raw: Hex): Promise<void> {
    if (params.broadcast) return params.broadcast({ client, raw, from: account.address });
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
      readContained: (blockNumber) => reads.readContained(target, blockNumber),
      currentFees: reads.currentFees,
      sign: (nonce, fees, call) => sign({ targetId: target.id, ...call }, nonce, fees),
      callOf: (record) => (record.call ? loadPauseCall(record.call) : directCall(target)),
      broadcast,
    };
  }

  /**
   * The first signature builds secp256k1 precomputation tables and the first call JIT-compiles
   * viem's request and format paths: ~5-10 ms that would otherwise land on the first real pause.
   * Three reads at startup, none per block.
   */
  /** Takes and releases a throwaway lock (own key prefix), so the lock scripts are cached and compiled. */
  async function warmUpLock(target: ResolvedPauseTarget): Promise<void> {
    const store = createPauseRecordStore({
      redis: params.redis,
      keyPrefix: `${params.keyPrefix}:warmup`,
      chainId: chain.id,
      address: target.address,
      selector: target.selector,
      guardian: account.address,
    });
    const lock = await store.acquire();
    if (lock.acquired) await store.release(lock.token);
  }

  const warmedUp = (async () => {
    const [first] = targets.values();
    await Promise.all([
      account.signTransaction({ type: 'eip1559', chainId: chain.id, nonce: 0, gas: 21_000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n, to: account.address }),
      first ? reads.readContained(first).catch(() => undefined) : undefined,
      reads.pendingNonce(),
      reads.currentFees(),
      first && !params.recordStore ? warmUpLock(first) : undefined,
    ]);
  })().catch((error: unknown) => log.debug({ err: describeRpcError(error) }, 'pauser warm-up failed'));

  return {
    chainId: chain.id,
    guardianAddress: account.address,
    targetIds: [...targets.keys()],
    warmedUp: () => warmedUp.then(() => undefined),
    prefetch(targetId) {
      const target = targets.get(targetId);
      // While a pause runs, its reads would race it: the next pause reads afresh.
      if (!target || inFlight.size > 0) return;
      const state = reads.prefetch(target);
      void state?.then(([contained, nonce, head, call]) => {
        if (contained) return;
        signer.presign({ targetId: target.id, ...call }, nonce, head.fees);
      }, () => {});
    },
    observeHead: reads.observeHead,
    watchProposals: () => (proposer && hasProposals ? proposer.watch() : Promise.resolve()),
    async afterReorg({ commonAncestor, onDropped, record }) {
      const results: { incidentId: string; outcome: PauseOutcome }[] = [];
      for (const [targetId, store] of stores) {
        const prior = await store.read();
        if (prior?.status !== 'mined' || prior.blockNumber === undefined || prior.blockNumber <= commonAncestor) continue;
        const incidentId = prior.incidentId;
        try {
          await onDropped({ targetId, incidentId, txHash: prior.minedTxHash, blockNumber: prior.blockNumber });
          log.warn({ incident: incidentId, target: targetId, block: prior.blockNumber, txHash: prior.minedTxHash }, 'the block holding the pause tx was reorged out; following it again');
          // The tx is not on the chain any more: follow it again as pending. The follower finds it
          // re-included, re-broadcasts the signed bytes if the node dropped it (same nonce: no second
          // pause), or — if its nonce was used meanwhile — decides afresh. Its nonce is free again, so
          // no hint may point past it; reads from before the reorg must not decide anything.
          await store.forgetNonceHint(prior.nonce);
          await store.update({ ...prior, status: 'pending', verified: undefined, minedTxHash: undefined, blockNumber: undefined, sentAtBlock: commonAncestor + 1, updatedAt: Date.now() });
          reads.takePrefetched(targetId);
          results.push({ incidentId, outcome: await this.pause({ targetId, incidentId, record: record(incidentId) }) });
        } catch (error) {
          const reason = `could not check the pause again after a reorg: ${describeRpcError(error)}`;
          log.error({ incident: incidentId, target: targetId, err: reason }, 'pause after reorg failed');
          results.push({ incidentId, outcome: { status: 'failed', targetId, reason } });
        }
      }
      return results;
    },
    pause(pause) {
      // Single flight within this process: anomalies of one incident arriving together (often several
      // detectors fire on the same block) share one pause run instead of contending for the Redis lock.
      const key = `${pause.targetId}|${pause.incidentId}`;
      const running = inFlight.get(key);
      if (running) return running;
      // Raw RPC errors quote the url (maybe an API key) and request body: only a sanitized line leaves.
      const run = pauseOnce(pause)
        .catch((error: unknown) => Promise.reject(transientPauseError(error)))
        .finally(() => inFlight.delete(key));
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
    if (target.route.mode === 'safe-propose') {
      if (proposer) return proposer.propose({ ...pause, target });
      throw new Error(`pause ${target.id} is routed through a Safe proposal but the pauser was created without proposals`);
    }
    const ctx = contextFor(target, pause);
    const deadline = Date.now() + lockWaitMs;
    for (let lost = 0; lost < 3; ) {
      const acquiring = ctx.store.acquire();
      // The first round may use reads started at detection (prefetch); later rounds read afresh.
      const state = (lost === 0 && reads.takePrefetched(target.id)) || reads.readState(target);
      const [[readContained, pendingNonce, head, call], lock] = await Promise.all([state, acquiring]).catch(async (error: unknown) => {
        // Do not leave the lock to its TTL: the retried job would wait for it.
        const taken = await acquiring.catch(() => undefined);
        if (taken?.acquired) await ctx.store.release(taken.token).catch(() => {});
        throw error;
      });
      const prior = lock.record;
      let contained = readContained;
      if (!contained && lock.acquired && prior?.status === 'mined') {
        // The check may predate that pause (prefetched, or read while a sibling was finishing it):
        // read it again under the lock before deciding to send. Rare: normally a person unpaused.
        contained = await reads.readContained(target).catch(async (error: unknown) => {
          await ctx.store.release(lock.token).catch(() => {});
          throw error;
        });
      }
      if (pause.repeat && prior?.incidentId === pause.incidentId && prior.status === 'mined' && prior.verified) {
        if (lock.acquired) await ctx.store.release(lock.token);
        ctx.log.info({ txHash: prior.minedTxHash, contained }, 'this anomaly was already contained by this incident\'s pause; not pausing again');
        return { status: 'paused', targetId: target.id, txHash: prior.minedTxHash, blockNumber: prior.blockNumber };
      }
      // Contained, with a pause tx of ours still pending: most likely that tx did it (a process killed
      // before its receipt, restarted). Follow it below so the timeline records it, instead of
      // "already contained"; if another tx paused first, following it says so.
      if (contained && prior?.status !== 'pending') {
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
        return recordFailure(ctx, prior.reason ?? 'the pause tx of this incident failed', prior.minedTxHash, prior.blockNumber);
      }
      const sent = await sendNewPause({ ctx, lock, pendingNonce, head, call });
      if (sent === 'lost') {
        lost += 1;
        continue;
      }
      if (!('txHashes' in sent)) return sent;
      const outcome = await followPauseTx(ctx, sent, { fresh: true });
      if (outcome !== 'lost') return outcome;
      lost += 1;
    }
    return recordFailure(ctx, 'the pause tx was lost three times (its nonce was used by other transactions of the guardian)');
  }
}
