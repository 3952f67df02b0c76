/**
 * Safes in a fork drill: who signs for them, without any key.
 *
 * An impersonated owner cannot make an ECDSA signature. The Safe accepts another form instead — the
 * pre-validated signature (r = owner, v = 1) — when that owner sends `execTransaction` itself or has
 * approved the SafeTx hash on chain (`approveHash`). So:
 * - mode `safe`: the guardian, when it is an owner, signs as the sender; the other signers the Safe's
 *   threshold needs are taken from its on-chain owners (the config names keys, not addresses) and
 *   approve the SafeTx of each pause at the Safe's current nonce before the attack starts. The pause
 *   itself is then exactly one execTransaction from the guardian, as with keys.
 * - mode `safe-module`: the guardian is the role member and calls the module; nothing to prepare.
 * - mode `safe-propose`: the guardian (or, when it is not an owner, the first owner) proposes to the
 *   drill's stand-in Transaction Service; {@link startForkCosigners} then plays the co-signers: the
 *   owners the threshold needs approve the proposed hash, and the proposer executes it.
 */
import { encodeFunctionData, getAddress, parseAbi, type Address, type Hex, type LocalAccount, type PublicClient } from 'viem';
import { impersonatedAccount } from '../../responders/impersonation.js';
import type { ResolvedPauseTarget } from '../../responders/pause-targets.js';
import { buildSafeTx, encodeExecTransaction, readSafeState, safeTxHash, signSafeTx } from '../../responders/safe/safe-tx.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { anvilRpc, impersonate, sendImpersonated } from './scenario-chain.js';
import { pollUntilStopped } from './poll.js';
import type { SafeTxServiceStandIn, StoredProposal } from './safe-tx-service.js';
import { safeTxOfProposal } from './safe-tx-service-validate.js';
import { feesFromLatestBlock, waitForReceipt } from './tx.js';

const approveHashAbi = parseAbi(['function approveHash(bytes32 hashToApprove)']);

/** Sends one call from an impersonated account (funded for gas if it has none) and waits for it to succeed. */
export async function sendAsImpersonated(params: { client: PublicClient; from: Address; to: Address; data: Hex; gas?: bigint; label: string }): Promise<{ txHash: Hex; blockNumber: number }> {
  const { client } = params;
  const rpc = anvilRpc(client);
  const gas = params.gas ?? 300_000n;
  const fees = await feesFromLatestBlock({ client, multiplier: 2, priorityFee: 1_000_000_000n });
  await impersonate({ client, rpc, account: params.from, needed: gas * fees.maxFeePerGas });
  const hash = await sendImpersonated({ rpc, call: { from: params.from, to: params.to, data: params.data, value: 0n, gas }, fees });
  const receipt = await waitForReceipt({ client, hash });
  if (receipt.status !== 'success') throw new Error(`${params.label} reverted (tx ${hash})`);
  return { txHash: hash, blockNumber: Number(receipt.blockNumber) };
}

export interface PrepareForkSafesParameters {
  client: PublicClient;
  chainId: number;
  guardian: Address;
  targets: readonly ResolvedPauseTarget[];
  log: Logger;
}

export interface ForkSafes {
  /** The accounts that sign for each Safe id (createWarden's accounts.safeSigners). */
  safeSigners: Map<string, LocalAccount[]>;
  /** Mode safe-propose: per Safe address, the owners the co-signers play (the proposer first). */
  proposalOwners: Map<Address, Address[]>;
}

export async function prepareForkSafes(params: PrepareForkSafesParameters): Promise<ForkSafes> {
  const { client, chainId, guardian, log } = params;
  const safeSigners = new Map<string, LocalAccount[]>();
  const proposalOwners = new Map<Address, Address[]>();
  for (const target of params.targets) {
    const route = target.route;
    if (route.mode === 'eoa' || route.mode === 'safe-module' || safeSigners.has(route.safeId)) continue;
    const state = await readSafeState({ client, safe: route.safe });
    const owners = state.owners.map((owner) => getAddress(owner));
    const guardianOwns = owners.includes(guardian);
    // The guardian first when it is an owner (it signs as the sender), then as many owners as the threshold needs.
    const chosen = [...(guardianOwns ? [guardian] : []), ...owners.filter((owner) => owner !== guardian)].slice(0, state.threshold);
    if (route.mode === 'safe-propose') {
      safeSigners.set(route.safeId, [impersonatedAccount({ address: chosen[0]! })]);
      proposalOwners.set(route.safe, chosen);
      continue;
    }
    safeSigners.set(route.safeId, chosen.map((address) => impersonatedAccount({ address })));
    for (const sameSafe of params.targets.filter((other) => other.route.mode === 'safe' && other.route.safeId === route.safeId)) {
      const hash = safeTxHash({ chainId, safe: route.safe, tx: buildSafeTx({ to: sameSafe.address, data: sameSafe.calldata, nonce: state.nonce }) });
      for (const owner of chosen.filter((address) => address !== guardian)) {
        await sendAsImpersonated({ client, from: owner, to: route.safe, data: encodeFunctionData({ abi: approveHashAbi, args: [hash] }), label: `approveHash by owner ${owner}` });
        log.info({ safe: route.safe, owner, safeTxHash: hash, pause: sameSafe.id }, 'fork drill: Safe owner approved the pause SafeTx (stands in for its signature)');
      }
    }
  }
  return { safeSigners, proposalOwners };
}

export interface ForkCosignerExecution {
  safeTxHash: Hex;
  txHash: Hex;
  blockNumber: number;
}

export interface ForkCosigners {
  executions(): ForkCosignerExecution[];
  /** Stops watching (waits for a look in progress). Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Plays the co-signers of mode safe-propose on the fork: every proposal on the stand-in service for a
 * Safe of `proposalOwners` at its current nonce is approved on chain by the owners after the first,
 * then executed by the first (the proposer). They answer at once: a drill measures warden.
 */
export function startForkCosigners(params: {
  client: PublicClient;
  chainId: number;
  service: SafeTxServiceStandIn;
  proposalOwners: ReadonlyMap<Address, Address[]>;
  log: Logger;
  pollIntervalMs?: number;
}): ForkCosigners {
  const { client, service, log } = params;
  const executions: ForkCosignerExecution[] = [];
  const given = new Set<Hex>();

  async function execute(proposal: StoredProposal, owners: Address[]): Promise<void> {
    const tx = safeTxOfProposal(proposal);
    if (safeTxHash({ chainId: params.chainId, safe: proposal.safe, tx }).toLowerCase() !== proposal.safeTxHash.toLowerCase()) {
      log.warn({ safeTxHash: proposal.safeTxHash }, 'fork co-signers: the proposal does not hash to its safeTxHash; not signing');
      return;
    }
    const [executor, ...approvers] = owners;
    for (const owner of approvers) {
      await sendAsImpersonated({ client, from: owner, to: proposal.safe, data: encodeFunctionData({ abi: approveHashAbi, args: [proposal.safeTxHash] }), label: `approveHash by co-signer ${owner}` });
    }
    const signed = await signSafeTx({ chainId: params.chainId, safe: proposal.safe, tx, signers: owners.map((address) => impersonatedAccount({ address })), sender: executor });
    const sent = await sendAsImpersonated({ client, from: executor!, to: proposal.safe, data: encodeExecTransaction({ tx, signatures: signed.signatures }), gas: 500_000n, label: `execTransaction of ${proposal.safeTxHash}` });
    executions.push({ safeTxHash: proposal.safeTxHash, ...sent });
    service.markExecuted({ safeTxHash: proposal.safeTxHash, transactionHash: sent.txHash, blockNumber: sent.blockNumber });
    log.info({ safeTxHash: proposal.safeTxHash, txHash: sent.txHash, block: sent.blockNumber }, 'fork co-signers: approved and executed warden\'s proposal');
  }

  async function lookOnce(): Promise<void> {
    for (const proposal of service.proposals()) {
      const owners = params.proposalOwners.get(getAddress(proposal.safe));
      if (!owners || proposal.execution || given.has(proposal.safeTxHash)) continue;
      const { nonce } = await readSafeState({ client, safe: proposal.safe });
      if (proposal.nonce !== nonce) continue;
      given.add(proposal.safeTxHash);
      await execute(proposal, owners).catch((error: unknown) => log.warn({ safeTxHash: proposal.safeTxHash, err: describeError(error) }, 'fork co-signers: executing the proposal failed'));
    }
  }

  const polling = pollUntilStopped({ look: lookOnce, intervalMs: params.pollIntervalMs ?? 100, log, what: 'fork co-signers' });
  return {
    executions: () => [...executions],
    stop: () => polling.stop(),
  };
}
