/**
 * The safe-propose drill's co-signers, doing what people in the Safe app would: watch the Transaction
 * Service for a SafeTx awaiting their signature, check it is the one shown (recompute its hash), add
 * their signature through the service's confirmations endpoint, and once the service holds enough
 * signatures for the Safe's threshold, execute it on chain. The stand-in has no indexer, so the
 * co-signers also tell it about the execution, as the real service's indexer would learn of it.
 *
 * They answer at once: a drill measures warden, and people take minutes. The report still shows the
 * blocks containment waited for them.
 */
import { privateKeyToAccount } from 'viem/accounts';
import type { Address, Hex } from 'viem';
import { encodeExecTransaction, readSafeState, safeTxHash, signSafeTx } from '../../responders/safe/safe-tx.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { DevAccount } from './accounts.js';
import { sendAndConfirm } from './safe-deploy.js';
import { pollUntilStopped } from './poll.js';
import type { SafeTxServiceStandIn } from './safe-tx-service.js';
import { safeTxOfProposal } from './safe-tx-service-validate.js';
import { createDrillClient } from './tx.js';

export interface CosignerExecution {
  safeTxHash: Hex;
  /** The outer execTransaction the co-signers sent. */
  txHash: Hex;
  blockNumber: number;
  success: boolean;
}

export interface StartCosignersParameters {
  rpcUrl: string;
  service: SafeTxServiceStandIn;
  safe: Address;
  /** The owners the drill plays; the first one submits execTransaction. */
  cosigners: readonly DevAccount[];
  log: Logger;
  /** How often they look at the service; default 100 ms. */
  pollIntervalMs?: number;
}

export interface Cosigners {
  /** What they executed, in order. */
  executions(): CosignerExecution[];
  /** Stops watching (waits for a look in progress). Safe to call twice. */
  stop(): Promise<void>;
}

/** Gives up on a SafeTx after this many failed executions (e.g. the vault was paused by other means). */
const maxAttempts = 3;

export function startCosigners(params: StartCosignersParameters): Cosigners {
  const { service, safe, log } = params;
  const client = createDrillClient({ rpcUrl: params.rpcUrl });
  const accounts = params.cosigners.map((cosigner) => privateKeyToAccount(cosigner.key));
  const executions: CosignerExecution[] = [];
  const attempts = new Map<Hex, number>();

  async function lookOnce(): Promise<void> {
    const [chainId, state] = await Promise.all([client.getChainId(), readSafeState({ client, safe })]);
    const pending = service.proposals().filter((p) => p.safe.toLowerCase() === safe.toLowerCase() && !p.execution && p.nonce === state.nonce);
    for (const proposal of pending) {
      if ((attempts.get(proposal.safeTxHash) ?? 0) >= maxAttempts) continue;
      const tx = safeTxOfProposal(proposal);
      // Sign only what the service shows: the hash must be the one these fields give.
      if (safeTxHash({ chainId, safe, tx }).toLowerCase() !== proposal.safeTxHash.toLowerCase()) {
        log.warn({ safeTxHash: proposal.safeTxHash }, 'co-signers: the proposal does not hash to its safeTxHash; not signing');
        attempts.set(proposal.safeTxHash, maxAttempts);
        continue;
      }
      for (const account of accounts) {
        if (proposal.confirmations.has(account.address)) continue;
        const signed = await signSafeTx({ chainId, safe, tx, signers: [account] });
        await confirm(service.url, proposal.safeTxHash, signed.signatures);
        log.info({ safeTxHash: proposal.safeTxHash, owner: account.address }, 'co-signer: signed warden\'s proposal');
      }
      const confirmations = await readConfirmations(service.url, proposal.safeTxHash);
      if (confirmations.length < state.threshold) continue;
      try {
        const receipt = await sendAndConfirm({
          client,
          account: accounts[0]!,
          to: safe,
          data: encodeExecTransaction({ tx, signatures: packSignatures(confirmations) }),
          label: `co-signers execute SafeTx ${proposal.safeTxHash}`,
        });
        const execution = { safeTxHash: proposal.safeTxHash, txHash: receipt.transactionHash, blockNumber: Number(receipt.blockNumber), success: receipt.status === 'success' };
        executions.push(execution);
        service.markExecuted({ safeTxHash: proposal.safeTxHash, transactionHash: execution.txHash, blockNumber: execution.blockNumber, isSuccessful: execution.success });
        log.info({ safeTxHash: proposal.safeTxHash, txHash: execution.txHash, block: execution.blockNumber }, 'co-signers: executed warden\'s proposal');
      } catch (error) {
        attempts.set(proposal.safeTxHash, (attempts.get(proposal.safeTxHash) ?? 0) + 1);
        log.warn({ safeTxHash: proposal.safeTxHash, err: describeError(error) }, 'co-signers: executing the proposal failed');
      }
    }
  }

  const polling = pollUntilStopped({ look: lookOnce, intervalMs: params.pollIntervalMs ?? 100, log, what: 'co-signers' });

  return {
    executions: () => [...executions],
    stop: () => polling.stop(),
  };
}

interface Confirmation {
  owner: Address;
  signature: Hex;
}

/** POST /v1/multisig-transactions/{hash}/confirmations/, as the Safe app sends a co-signer's signature. */
async function confirm(serviceUrl: string, hash: Hex, signature: Hex): Promise<void> {
  const response = await fetch(`${serviceUrl}/v1/multisig-transactions/${hash}/confirmations/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ signature }),
  });
  if (response.status !== 201) throw new Error(`the Transaction Service refused the confirmation of ${hash}: HTTP ${response.status} ${await response.text()}`);
}

async function readConfirmations(serviceUrl: string, hash: Hex): Promise<Confirmation[]> {
  const response = await fetch(`${serviceUrl}/v1/multisig-transactions/${hash}/confirmations/`);
  if (!response.ok) throw new Error(`reading the confirmations of ${hash} failed: HTTP ${response.status}`);
  const body = (await response.json()) as { results: Confirmation[] };
  return body.results;
}

/** Signatures as execTransaction takes them: one per owner, by ascending owner address. */
function packSignatures(confirmations: readonly Confirmation[]): Hex {
  const sorted = [...confirmations].sort((a, b) => (BigInt(a.owner) < BigInt(b.owner) ? -1 : BigInt(a.owner) > BigInt(b.owner) ? 1 : 0));
  return `0x${sorted.map((confirmation) => confirmation.signature.slice(2)).join('')}`;
}
