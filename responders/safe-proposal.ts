/**
 * Mode `safe-propose`: warden cannot meet the Safe's threshold, so it builds the SafeTx that pauses
 * the target, signs it with its owner key, proposes it to the Safe Transaction Service, and puts the
 * safeTxHash and the signing link in the incident. Then it watches the chain: once the co-signers
 * execute it (the target reads as contained), the incident records the execution and is contained.
 *
 * Guarantees:
 * - Exactly one proposal per target and Safe nonce, across retries and replicas: the SafeTx is
 *   deterministic (same target, calldata, nonce; RFC 6979 signatures), the service treats the same
 *   proposal again as success, and the record in Redis is written once (SET NX).
 * - If people execute another SafeTx at that nonce first, the proposal is superseded and warden
 *   proposes again at the new nonce.
 * - Watching costs one check read per outstanding proposal per block, and nothing when there is none.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { getAddress, type Address, type Hex, type LocalAccount, type PublicClient } from 'viem';
import type { ChainConfig, SafeConfig } from '../src/config/schema.js';
import { describeError } from '../src/errors.js';
import type { IncidentStore } from '../src/incidents/store.js';
import { timelineEntry } from '../src/incidents/types.js';
import type { PauseOutcome, PauseParameters } from './pause-guardian.js';
import type { ResolvedPauseTarget } from './pause-targets.js';
import { PauseTransientError } from './rpc-errors.js';
import { buildSafeTx, findSafeExecution, safeAbi, signSafeTx } from './safe/safe-tx.js';
import { signingLink } from './safe/signing-link.js';
import { TransactionServiceError, type TransactionServiceClient } from './safe/transaction-service.js';

/** What Redis keeps about an outstanding proposal. */
export interface SafeProposalRecord {
  targetId: string;
  incidentId: string;
  safe: Address;
  safeTxHash: Hex;
  safeNonce: string;
  proposer: Address;
  proposedAtBlock: number;
  signingUrl?: string;
}

export type ProposeParameters = Omit<PauseParameters, 'targetId'> & { target: ResolvedPauseTarget };

export interface SafeProposer {
  /** Proposes (or finds the proposal of) the pause of `target`; resolves `proposed`, `already-contained` or `failed`. */
  propose(params: ProposeParameters): Promise<PauseOutcome>;
  /** Looks at every outstanding proposal of this chain: executed ones are recorded and their incidents contained. */
  watch(): Promise<void>;
}

export interface CreateSafeProposerParameters {
  chain: ChainConfig;
  client: PublicClient;
  redis: Redis;
  keyPrefix: string;
  targets: readonly ResolvedPauseTarget[];
  safes: readonly SafeConfig[];
  /** Owner keys per Safe id; the first one signs and proposes. */
  signers: ReadonlyMap<string, readonly LocalAccount[]>;
  /** Transaction Service client per Safe id. */
  services: ReadonlyMap<string, TransactionServiceClient>;
  incidents: IncidentStore;
  log: Logger;
  readContained(target: ResolvedPauseTarget): Promise<boolean>;
}

export function createSafeProposer(params: CreateSafeProposerParameters): SafeProposer {
  const { chain, client, redis, keyPrefix, log } = params;
  const recordKey = (targetId: string) => `${keyPrefix}:safe-proposal:${chain.id}:${targetId}`;
  const outstandingKey = `${keyPrefix}:safe-proposals:${chain.id}`;
  const targets = new Map(params.targets.map((target) => [target.id, target]));
  let watching: Promise<void> | undefined;

  async function readRecord(targetId: string): Promise<SafeProposalRecord | undefined> {
    const raw = await redis.get(recordKey(targetId));
    return raw ? (JSON.parse(raw) as SafeProposalRecord) : undefined;
  }

  const proposedOutcome = (record: SafeProposalRecord): PauseOutcome => ({
    status: 'proposed',
    targetId: record.targetId,
    safeTxHash: record.safeTxHash,
    signingUrl: record.signingUrl,
    reason: `SafeTx ${record.safeTxHash} (Safe nonce ${record.safeNonce}) awaits the co-signers`,
  });

  async function propose({ target, incidentId, record }: ProposeParameters): Promise<PauseOutcome> {
    if (target.route.mode !== 'safe-propose') throw new Error(`pause ${target.id} is not routed through a proposal`);
    const route = target.route;
    const safe = params.safes.find((candidate) => candidate.id === route.safeId)!;
    const [contained, safeNonce, existing, head] = await Promise.all([
      params.readContained(target),
      client.readContract({ address: route.safe, abi: safeAbi, functionName: 'nonce' }) as Promise<bigint>,
      readRecord(target.id),
      client.getBlockNumber(),
    ]);
    const base = { targetId: target.id, contract: target.contract, chainId: chain.id, safe: route.safe };
    if (contained) {
      await record(timelineEntry('already-contained', { ...base, check: `${target.check.function.name}()` }), { onceKey: `already-contained:${target.id}` });
      return { status: 'already-contained', targetId: target.id };
    }
    if (existing && BigInt(existing.safeNonce) >= safeNonce) {
      // Still executable: this incident joins the proposal people are already signing.
      await record(timelineEntry('safe-tx-proposed', { ...base, ...existing }), { onceKey: `safe-tx-proposed:${existing.safeTxHash}` });
      return proposedOutcome(existing);
    }
    const signer = params.signers.get(route.safeId)?.[0];
    const service = params.services.get(route.safeId);
    if (!signer || !service) {
      const reason = `safe ${route.safeId} has no ${signer ? 'transactionService' : 'signer key'} to propose with`;
      await record(timelineEntry('containment-failed', { ...base, reason }), { onceKey: `containment-failed:${target.id}:${reason}` });
      return { status: 'failed', targetId: target.id, reason };
    }
    const tx = buildSafeTx({ to: target.address, data: target.calldata, nonce: safeNonce });
    const signed = await signSafeTx({ chainId: chain.id, safe: route.safe, tx, signers: [signer] });
    try {
      await service.propose({ safe: route.safe, tx, safeTxHash: signed.safeTxHash, sender: signer.address, signature: signed.signatures, origin: `warden incident ${incidentId}` });
    } catch (error) {
      if (error instanceof TransactionServiceError && !error.details.retryable) {
        const reason = `the Safe Transaction Service refused the proposal: ${error.message}`;
        await record(timelineEntry('containment-failed', { ...base, reason, safeTxHash: signed.safeTxHash }), { onceKey: `containment-failed:${target.id}:${signed.safeTxHash}` });
        return { status: 'failed', targetId: target.id, reason };
      }
      throw new PauseTransientError(`proposing the pause of ${target.id} failed: ${describeError(error)}`);
    }
    const proposal: SafeProposalRecord = {
      targetId: target.id,
      incidentId,
      safe: getAddress(route.safe),
      safeTxHash: signed.safeTxHash,
      safeNonce: safeNonce.toString(),
      proposer: signer.address,
      proposedAtBlock: Number(head),
      signingUrl: signingLink({ appUrl: safe.appUrl, chainId: chain.id, safe: route.safe, safeTxHash: signed.safeTxHash }),
    };
    // A replica that proposed the same SafeTx first wrote the same record; keep the first.
    const written = await redis.set(recordKey(target.id), JSON.stringify(proposal), 'NX');
    if (written !== 'OK' && existing) await redis.set(recordKey(target.id), JSON.stringify(proposal));
    await redis.sadd(outstandingKey, target.id);
    const stored = (await readRecord(target.id)) ?? proposal;
    await record(timelineEntry('safe-tx-proposed', { ...base, ...stored }), { onceKey: `safe-tx-proposed:${stored.safeTxHash}` });
    log.warn({ incident: incidentId, target: target.id, safeTxHash: stored.safeTxHash, signingUrl: stored.signingUrl }, 'pause proposed to the Safe; co-signers must execute it');
    return proposedOutcome(stored);
  }

  async function watchOnce(): Promise<void> {
    const ids = await redis.smembers(outstandingKey);
    for (const targetId of ids) {
      const target = targets.get(targetId);
      const proposal = await readRecord(targetId);
      if (!target || !proposal) continue; // another chain's config, or already settled
      if (await params.readContained(target)) await settleExecuted(target, proposal);
      else await supersedeIfStale(target, proposal);
    }
  }

  async function settleExecuted(target: ResolvedPauseTarget, proposal: SafeProposalRecord): Promise<void> {
    const execution = await findSafeExecution({ client, safe: proposal.safe, safeTxHash: proposal.safeTxHash, fromBlock: BigInt(proposal.proposedAtBlock) });
    const base = { targetId: target.id, contract: target.contract, chainId: chain.id, safe: proposal.safe, safeTxHash: proposal.safeTxHash };
    const append = (type: 'safe-tx-executed' | 'verified-paused', data: Record<string, unknown>) =>
      params.incidents.append({ incidentId: proposal.incidentId, entry: timelineEntry(type, { ...base, ...data }), onceKey: `${type}:${proposal.safeTxHash}` });
    if (execution) await append('safe-tx-executed', { txHash: execution.txHash, blockNumber: Number(execution.blockNumber), success: execution.success });
    await append('verified-paused', { txHash: execution?.txHash, blockNumber: execution ? Number(execution.blockNumber) : undefined, check: `${target.check.function.name}()`, expect: target.check.expect });
    await params.incidents.setStatus({ incidentId: proposal.incidentId, status: 'contained', onlyFrom: ['open'] }).catch((error: unknown) => log.info({ err: describeError(error) }, 'incident status left as is'));
    await redis.srem(outstandingKey, target.id);
    await redis.del(recordKey(target.id));
    log.warn({ incident: proposal.incidentId, target: target.id, txHash: execution?.txHash }, 'the co-signers executed the pause; contained');
  }

  async function supersedeIfStale(target: ResolvedPauseTarget, proposal: SafeProposalRecord): Promise<void> {
    const nonce = (await client.readContract({ address: proposal.safe, abi: safeAbi, functionName: 'nonce' })) as bigint;
    if (nonce <= BigInt(proposal.safeNonce)) return;
    log.warn({ incident: proposal.incidentId, target: target.id, safeTxHash: proposal.safeTxHash }, 'another SafeTx used the proposal\'s nonce; proposing again');
    const record: PauseParameters['record'] = (entry, options) => params.incidents.append({ incidentId: proposal.incidentId, entry, onceKey: options?.onceKey });
    await propose({ target, incidentId: proposal.incidentId, record });
  }

  return {
    propose,
    watch() {
      // One look at a time: a slow RPC must not pile up watchers block after block.
      watching ??= watchOnce()
        .catch((error: unknown) => log.warn({ err: describeError(error) }, 'watching Safe proposals failed; trying again next block'))
        .finally(() => (watching = undefined));
      return watching;
    },
  };
}
