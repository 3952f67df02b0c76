/**
 * `warden recover ID`: prepares the transactions that lift the pauses of an incident, for people to
 * send. warden never sends an unpause (DESIGN invariant 2): for a target paused through a Safe (any
 * Safe mode) it builds the unpause SafeTx and, when the Safe has a Transaction Service and warden holds
 * an owner key, proposes it there for the owners to sign; for an EOA guardian it prints the call.
 *
 * Which targets: those the incident's timeline shows warden pausing (or proposing to pause), else every
 * pause step on the incident's contracts. A target that no longer reads as paused is skipped.
 */
import type { Address, Hex, LocalAccount, PublicClient } from 'viem';
import { readTargetContained } from '../../responders/pause-reads.js';
import type { ResolvedPauseTarget } from '../../responders/pause-targets.js';
import { buildSafeTx, safeAbi, signSafeTx } from '../../responders/safe/safe-tx.js';
import { signingLink } from '../../responders/safe/signing-link.js';
import type { TransactionServiceClient } from '../../responders/safe/transaction-service.js';
import type { SafeConfig } from '../config/schema.js';
import { describeError } from '../errors.js';
import type { Incident } from '../incidents/types.js';

export interface RecoveryStep {
  targetId: string;
  contract: string;
  address: Address;
  /** `not-paused`: nothing to do; `no-unpause`: the config names no unpause function; `ready`: see `call`. */
  state: 'not-paused' | 'no-unpause' | 'ready';
  /** The call that lifts the pause: sent by `from` (a Safe executes it through a SafeTx). */
  call?: { to: Address; data: Hex; function: string; from: Address | 'the account holding the unpause role' };
  /** When a Safe holds the power: the SafeTx, and whether it was proposed to its Transaction Service. */
  safeTx?: {
    safe: Address;
    safeTxHash: Hex;
    nonce: string;
    signingUrl?: string;
    /** `skipped`: not asked to, no service configured, or no owner key here (see `note`). */
    proposal: 'proposed' | 'failed' | 'skipped';
    note?: string;
  };
  /** eth_call of the unpause from its sender at the latest block: does it go through today? */
  simulation?: { ok: boolean; detail: string };
}

/** The pause targets an incident concerns: the ones warden acted on, else those on its contracts. */
export function recoveryTargets(incident: Incident, targets: readonly ResolvedPauseTarget[]): ResolvedPauseTarget[] {
  const acted = new Set(incident.timeline.map((entry) => entry.data.targetId).filter((id): id is string => typeof id === 'string'));
  const onChain = targets.filter((target) => target.chainId === incident.chainId);
  const chosen = onChain.filter((target) => acted.has(target.id));
  return chosen.length > 0 ? chosen : onChain.filter((target) => incident.contracts.includes(target.contract));
}

export interface PrepareRecoveryParameters {
  client: PublicClient;
  chainId: number;
  targets: readonly ResolvedPauseTarget[];
  safes: readonly SafeConfig[];
  /** Owner keys per Safe id (to sign a proposal); empty when none is available. */
  signers: ReadonlyMap<string, readonly LocalAccount[]>;
  services: ReadonlyMap<string, TransactionServiceClient>;
  /** Propose the SafeTxs (only after a person confirmed); otherwise only build them. */
  propose: boolean;
  origin: string;
}

export async function prepareRecovery(params: PrepareRecoveryParameters): Promise<RecoveryStep[]> {
  const steps: RecoveryStep[] = [];
  for (const target of params.targets) steps.push(await prepareOne(params, target));
  return steps;
}

async function prepareOne(params: PrepareRecoveryParameters, target: ResolvedPauseTarget): Promise<RecoveryStep> {
  const { client } = params;
  const base = { targetId: target.id, contract: target.contract, address: target.address };
  if (!(await readTargetContained({ client, target }))) return { ...base, state: 'not-paused' };
  if (!target.unpause) return { ...base, state: 'no-unpause' };
  const fnName = `${target.unpause.function.name}()`;
  const route = target.route;
  if (route.mode === 'eoa') {
    const call = { to: target.address, data: target.unpause.calldata, function: fnName, from: 'the account holding the unpause role' as const };
    return { ...base, state: 'ready', call };
  }
  // Whatever the pause route, the Safe holds the power; a pause-only module key cannot unpause (by design).
  const call = { to: target.address, data: target.unpause.calldata, function: fnName, from: route.safe };
  const simulation = await simulate(client, route.safe, target.address, target.unpause.calldata);
  const nonce = (await client.readContract({ address: route.safe, abi: safeAbi, functionName: 'nonce' })) as bigint;
  const tx = buildSafeTx({ to: target.address, data: target.unpause.calldata, nonce });
  const safe = params.safes.find((candidate) => candidate.id === route.safeId);
  const signer = params.signers.get(route.safeId)?.[0];
  const service = params.services.get(route.safeId);
  const signed = signer ? await signSafeTx({ chainId: params.chainId, safe: route.safe, tx, signers: [signer] }) : undefined;
  const { safeTxHash } = signed ?? { safeTxHash: (await client.readContract({ address: route.safe, abi: safeAbi, functionName: 'getTransactionHash', args: [tx.to, tx.value, tx.data, tx.operation, tx.safeTxGas, tx.baseGas, tx.gasPrice, tx.gasToken, tx.refundReceiver, tx.nonce] })) as Hex };
  const signingUrl = signingLink({ appUrl: safe?.appUrl, chainId: params.chainId, safe: route.safe, safeTxHash });
  const safeTx: NonNullable<RecoveryStep['safeTx']> = { safe: route.safe, safeTxHash, nonce: nonce.toString(), signingUrl, proposal: 'skipped' };
  if (!service) safeTx.note = 'no transactionService configured for this Safe: create the transaction in the Safe app with the call above';
  else if (!signer || !signed) safeTx.note = 'no owner key of this Safe is available here to sign a proposal: create it in the Safe app';
  else if (params.propose) {
    try {
      await service.propose({ safe: route.safe, tx, safeTxHash, sender: signer.address, signature: signed.signatures, origin: params.origin });
      safeTx.proposal = 'proposed';
    } catch (error) {
      safeTx.proposal = 'failed';
      safeTx.note = describeError(error);
    }
  }
  return { ...base, state: 'ready', call, safeTx, simulation };
}

async function simulate(client: PublicClient, from: Address, to: Address, data: Hex): Promise<{ ok: boolean; detail: string }> {
  try {
    await client.call({ account: from, to, data });
    return { ok: true, detail: `eth_call from ${from} succeeds` };
  } catch (error) {
    return { ok: false, detail: `eth_call from ${from} fails: ${describeError(error)}` };
  }
}
