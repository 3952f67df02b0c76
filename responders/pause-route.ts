/**
 * How a pause reaches its target: the transaction the guardian EOA actually sends.
 *
 * - `eoa`: the guardian calls the target (it holds the pauser role).
 * - `safe-module`: the guardian calls `execTransactionWithRole(target, 0, pause calldata, Call, roleKey, true)`
 *   on a Zodiac Roles modifier; the modifier checks the role on-chain and makes the Safe call the target.
 *   The outer calldata is fixed, so it is encoded once.
 * - `safe`: the guardian sends `execTransaction` to the Safe with a SafeTx (target, pause calldata) at the
 *   Safe's current nonce, signed by the configured owner keys. Built per pause: the Safe nonce moves.
 * - `safe-propose` sends nothing (see safe-proposal.ts): the co-signers execute.
 *
 * Invariant 4 holds for every route: the inner call is always the configured (target, calldata); the
 * outer target (Safe, module) comes from the config; nothing comes from anomaly data.
 */
import type { Address, Hex, LocalAccount, PublicClient } from 'viem';
import { encodeExecTransactionWithRole } from './safe/roles.js';
import { buildSafeTx, encodeExecTransaction, safeAbi, signSafeTx } from './safe/safe-tx.js';
import type { ResolvedPauseTarget } from './pause-targets.js';

/** What the guardian signs and sends for one pause. Persisted with the pause record, so a replacement resends the same call. */
export interface PauseCall {
  to: Address;
  data: Hex;
  gas: bigint;
  /** Set when the call executes a SafeTx: what the incident timeline records about it. */
  safeTx?: { safe: Address; safeTxHash: Hex; safeNonce: string; signers: Address[] };
}

/** Gas a Safe's execTransaction needs on top of the inner call: signature checks, nonce, events, refund logic. */
export const safeGasOverhead = (signatures: number) => 60_000n + 8_000n * BigInt(signatures);
/** Gas the Roles modifier needs on top of the inner call: role and scope checks, then the Safe's module call. */
export const moduleGasOverhead = 80_000n;

export interface PauseCallBuilder {
  /** The call to send now for `target`. For a Safe, reads the Safe's nonce (one eth_call) and signs locally. */
  build(target: ResolvedPauseTarget): Promise<PauseCall>;
}

export interface CreatePauseCallBuilderParameters {
  client: PublicClient;
  chainId: number;
  /** The account that sends (and pays for) the pause tx. */
  sender: Address;
  /** Owner keys per Safe id (mode `safe`). */
  safeSigners: ReadonlyMap<string, readonly LocalAccount[]>;
}

export function createPauseCallBuilder(params: CreatePauseCallBuilderParameters): PauseCallBuilder {
  const { client, chainId, sender } = params;
  return {
    async build(target) {
      const route = target.route;
      if (route.mode === 'eoa' || route.mode === 'safe-propose') return directCall(target);
      if (route.mode === 'safe-module') {
        const data = encodeExecTransactionWithRole({ to: target.address, data: target.calldata, roleKey: route.roleKey });
        return { to: route.module, data, gas: target.gasLimit + moduleGasOverhead };
      }
      const signers = params.safeSigners.get(route.safeId) ?? [];
      const nonce = (await client.readContract({ address: route.safe, abi: safeAbi, functionName: 'nonce' })) as bigint;
      const tx = buildSafeTx({ to: target.address, data: target.calldata, nonce });
      const signed = await signSafeTx({ chainId, safe: route.safe, tx, signers, sender });
      return {
        to: route.safe,
        data: encodeExecTransaction({ tx, signatures: signed.signatures }),
        gas: target.gasLimit + safeGasOverhead(signed.signers.length),
        safeTx: { safe: route.safe, safeTxHash: signed.safeTxHash, safeNonce: nonce.toString(), signers: signed.signers },
      };
    },
  };
}

/** The guardian calls the target itself. */
export function directCall(target: ResolvedPauseTarget): PauseCall {
  return { to: target.address, data: target.calldata, gas: target.gasLimit };
}

/** The account whose permission the inner call needs: the guardian, or the Safe that executes it. */
export function innerCaller(target: ResolvedPauseTarget, guardian: Address): Address {
  return target.route.mode === 'eoa' ? guardian : target.route.safe;
}
