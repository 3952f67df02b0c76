/**
 * What a fork drill counts as value: one holder's balance of one token (or ETH). The holder and token
 * come from the user's own config — the first balance-drop detector of the chain says what the protocol
 * watches — or else from the scenario's first drain step. The scenario's steps then become the attack
 * of the drill report (report.ts): per step, what the holder lost in that step's block.
 */
import { erc20Abi, type Address, type PublicClient } from 'viem';
import type { LoadedConfig } from '../config/load.js';
import type { DrainAttackResult, DrainStep } from './attack.js';
import type { Scenario } from './scenario.js';
import type { RunScenarioReturnType } from './scenario-run.js';

export interface ValueWatch {
  holder: Address;
  /** ERC-20 token; undefined for ETH. */
  token?: Address;
  symbol: string;
  decimals: number;
  /** For people: `vault's DEMO (detector vault-drain)`. */
  source: string;
}

/**
 * The holder and token whose balance the drill reports, or undefined when neither the config (a
 * balance-drop detector) nor the scenario (a drain step) names one.
 */
export async function chooseValueWatch(params: { client: PublicClient; loaded: LoadedConfig; scenario: Scenario; chainId: number }): Promise<ValueWatch | undefined> {
  const { loaded, client } = params;
  const found = (() => {
    for (const detector of loaded.config.detectors) {
      if (detector.kind !== 'balance-drop' || detector.enabled === false) continue;
      const holder = loaded.contracts.get(detector.params.contract);
      const token = detector.params.token === undefined ? undefined : loaded.contracts.get(detector.params.token);
      if (!holder || holder.chainId !== params.chainId) continue;
      return { holder: holder.address, token: token?.address, source: `${holder.name}'s ${token ? token.name : 'ETH'} (detector ${detector.id})` };
    }
    const drain = params.scenario.steps.find((step) => step.kind === 'drain');
    return drain ? { holder: drain.holder, token: drain.token, source: `${drain.holder}'s ${drain.token} (the scenario's drain step)` } : undefined;
  })();
  if (!found) return undefined;
  if (!found.token) return { ...found, symbol: 'ETH', decimals: 18 };
  const [symbol, decimals] = await Promise.all([
    client.readContract({ address: found.token, abi: erc20Abi, functionName: 'symbol' }).catch(() => 'tokens'),
    client.readContract({ address: found.token, abi: erc20Abi, functionName: 'decimals' }).catch(() => 18),
  ]);
  return { ...found, symbol, decimals };
}

/** The holder's balance at `blockNumber` (default latest). */
export function readValue(params: { client: PublicClient; watch: ValueWatch; blockNumber?: bigint }): Promise<bigint> {
  const { client, watch, blockNumber } = params;
  if (!watch.token) return client.getBalance({ address: watch.holder, blockNumber });
  return client.readContract({ address: watch.token, abi: erc20Abi, functionName: 'balanceOf', args: [watch.holder], blockNumber });
}

/**
 * The scenario's run as the drill report's attack: one step per scenario step that sent calls (waits
 * send none), `success` when any of its calls succeeded, with the value the holder lost in that step's
 * block. The exploit block is the first step that took value (or, when none did, the first that
 * succeeded); value lost is the sum over steps.
 */
export async function attackFromScenario(params: {
  client: PublicClient;
  watch: ValueWatch | undefined;
  run: RunScenarioReturnType;
  /** Wall time each step ended, by step index (DrainStep.sentAt). */
  endedAt: ReadonlyMap<number, number>;
  valueAtStart: bigint;
}): Promise<DrainAttackResult> {
  const { client, watch } = params;
  const steps: DrainStep[] = [];
  for (const step of params.run.steps) {
    if (step.calls.length === 0) continue;
    const first = step.calls.find((call) => call.status === 'success') ?? step.calls[0]!;
    let amount = 0n;
    if (watch) {
      const [before, after] = await Promise.all([
        readValue({ client, watch, blockNumber: BigInt(step.block - 1) }),
        readValue({ client, watch, blockNumber: BigInt(step.block) }),
      ]);
      amount = before > after ? before - after : 0n;
    }
    steps.push({
      index: step.index,
      txHash: first.txHash,
      blockNumber: step.block,
      status: step.calls.some((call) => call.status === 'success') ? 'success' : 'reverted',
      amount,
      victim: watch?.holder ?? first.to,
      sentAt: params.endedAt.get(step.index) ?? Date.now(),
    });
  }
  const exploit = steps.find((step) => step.status === 'success' && step.amount > 0n) ?? steps.find((step) => step.status === 'success');
  return {
    steps,
    exploitBlock: exploit?.blockNumber,
    valueLost: steps.reduce((sum, step) => sum + (step.status === 'success' ? step.amount : 0n), 0n),
    // The drain attack's own fields: a scenario has no slices, and it runs every step it lists.
    sliceAmount: 0n,
    totalDepositsAtStart: params.valueAtStart,
    stopReason: 'max-steps',
  };
}
