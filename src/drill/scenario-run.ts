/**
 * Runs an attack scenario (./scenario.ts) on an anvil chain — a local one or a fork of a real chain —
 * as impersonated calls: no key is needed and nothing touches the real chain.
 *
 * Guarantees:
 * - each step's calls land in one block of their own (several calls: mining is stopped, they are sent
 *   in order, one block is mined, and the mining mode — automine or interval — is restored exactly);
 *   one step's block comes after the previous step's;
 * - a reverted call is a result (`status: 'reverted'` with its reason), never an error: a paused
 *   protocol reverting the attacker is what a drill wants to see;
 * - senders without ETH are funded for gas only (`funded` says how much), never replaced.
 * It throws only when the chain refuses a call outright (ScenarioRunError, naming the step) or is aborted.
 *
 * @example
 * const result = await runScenario({ client: createDrillClient({ rpcUrl }), scenario, log });
 * result.steps[0].calls[0].status; // 'success' | 'reverted'
 */
import { encodeFunctionData, parseAbi, type Address, type Hex, type PublicClient } from 'viem';
import type { Logger } from '../log.js';
import { describeError } from '../errors.js';
import type { Scenario, ScenarioCall, ScenarioStep } from './scenario.js';
import { anvilRpc, gasFor, impersonate, inOneBlock, readMiningMode, revertReasonOf, sendImpersonated, type PreparedCall } from './scenario-chain.js';
import { AbortedError, feesFromLatestBlock, waitForReceipt } from './tx.js';
import { sleep } from '../chain/retry.js';

export interface RunScenarioParameters {
  /** A client of the anvil (or anvil fork) to attack. */
  client: PublicClient;
  scenario: Scenario;
  log?: Logger;
  /** Called after each step, before the next one starts (awaited). */
  onStep?(step: ScenarioStepResult): void | Promise<void>;
  /** Stops between steps or while waiting. */
  signal?: AbortSignal;
  /** Receipt and block polling; default 50 ms. */
  pollingIntervalMs?: number;
}

export interface ScenarioCallResult {
  txHash: Hex;
  from: Address;
  to: Address;
  /** `withdrawTo(0x…, 0x…, 1000)`, `transfer(0x…, 5000)`, … */
  label: string;
  status: 'success' | 'reverted';
  /** Why it reverted, decoded where possible: `EnforcedPause()`. */
  revertReason?: string;
  block: number;
  gasUsed: bigint;
  /** Wei given to the sender so it could pay gas (0 when it had enough). */
  funded: bigint;
}

export interface ScenarioStepResult {
  /** 0-based, as in the file. */
  index: number;
  kind: ScenarioStep['kind'];
  /** The block the step's calls landed in (for `wait`: the block reached). */
  block: number;
  calls: ScenarioCallResult[];
}

export interface RunScenarioReturnType {
  name: string;
  steps: ScenarioStepResult[];
}

/** The chain refused a step's call (not a revert: those are results). */
export class ScenarioRunError extends Error {
  override name = 'ScenarioRunError';
}

const erc20Abi = parseAbi(['function balanceOf(address) view returns (uint256)', 'function transfer(address to, uint256 amount) returns (bool)']);

export async function runScenario(params: RunScenarioParameters): Promise<RunScenarioReturnType> {
  const { client, scenario, log, signal } = params;
  const pollingIntervalMs = params.pollingIntervalMs ?? 50;
  const rpc = anvilRpc(client);
  const steps: ScenarioStepResult[] = [];
  for (const [index, step] of scenario.steps.entries()) {
    if (signal?.aborted) throw new AbortedError();
    const where = `step ${index} (${step.kind})`;
    let result: ScenarioStepResult;
    if (step.kind === 'wait') {
      result = { index, kind: step.kind, block: await waitBlocks(step.blocks), calls: [] };
    } else {
      const calls = step.kind === 'calls' ? step.calls : step.kind === 'admin-takeover' ? [step.call] : [await drainCall(step)];
      result = { index, kind: step.kind, ...(await sendStep(where, calls)) };
    }
    log?.info({ scenario: scenario.name, step: index, kind: step.kind, block: result.block, calls: result.calls.map(summary) }, 'scenario step');
    steps.push(result);
    await params.onStep?.(result);
  }
  return { name: scenario.name, steps };

  async function drainCall(step: Extract<ScenarioStep, { kind: 'drain' }>): Promise<ScenarioCall> {
    const amount = step.amount === 'all' ? await client.readContract({ address: step.token, abi: erc20Abi, functionName: 'balanceOf', args: [step.holder] }) : step.amount;
    const data = encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [step.to, amount] });
    return { from: step.holder, to: step.token, data, value: 0n, label: `transfer(${step.to}, ${amount})` };
  }

  async function sendStep(where: string, calls: ScenarioCall[]): Promise<{ block: number; calls: ScenarioCallResult[] }> {
    // Everything that needs the chain's answers happens before mining stops, so the pause is short.
    const fees = await feesFromLatestBlock({ client, multiplier: 2, priorityFee: 1_000_000_000n });
    const prepared: (PreparedCall & { label: string; funded: bigint })[] = [];
    for (const call of calls) {
      const gas = await gasFor({ client, call });
      const funded = await impersonate({ client, rpc, account: call.from, needed: gas * fees.maxFeePerGas + call.value });
      prepared.push({ ...call, gas, funded });
    }
    const mode = await readMiningMode(rpc);
    const sendAll = async () => {
      const hashes: Hex[] = [];
      for (const [i, call] of prepared.entries()) {
        try {
          hashes.push(await sendImpersonated({ rpc, call, fees }));
        } catch (error) {
          throw new ScenarioRunError(`${where}: call ${i} (${call.label} from ${call.from}) was refused by the node: ${describeError(error)}`);
        }
      }
      return hashes;
    };
    // One call under automine or interval mining lands in a block of its own anyway.
    const alone = prepared.length === 1 && (mode.automine || mode.intervalSeconds !== undefined);
    const hashes = alone ? await sendAll() : await inOneBlock(rpc, mode, sendAll);
    const results = await Promise.all(
      hashes.map(async (hash, i): Promise<ScenarioCallResult> => {
        const receipt = await waitForReceipt({ client, hash, pollingIntervalMs, signal });
        const call = prepared[i]!;
        const base = { txHash: hash, from: call.from, to: call.to, label: call.label, block: Number(receipt.blockNumber), gasUsed: receipt.gasUsed, funded: call.funded };
        return receipt.status === 'success' ? { ...base, status: 'success' } : { ...base, status: 'reverted', revertReason: await revertReasonOf(rpc, hash) };
      }),
    );
    const blocks = new Set(results.map((call) => call.block));
    if (blocks.size > 1) log?.warn({ step: where, blocks: [...blocks] }, 'scenario step spread over several blocks (block gas limit?)');
    return { block: Math.min(...blocks), calls: results };
  }

  /** Lets `count` blocks pass: mined at once on a chain without interval mining, else waited for. */
  async function waitBlocks(count: number): Promise<number> {
    const start = await client.getBlockNumber();
    const mode = await readMiningMode(rpc);
    if (mode.intervalSeconds === undefined) await rpc('anvil_mine', [`0x${count.toString(16)}`]);
    for (;;) {
      const now = await client.getBlockNumber();
      if (now >= start + BigInt(count)) return Number(now);
      await sleep(pollingIntervalMs, signal);
      if (signal?.aborted) throw new AbortedError();
    }
  }
}

function summary(call: ScenarioCallResult): string {
  return `${call.label}: ${call.status}${call.revertReason ? ` (${call.revertReason})` : ''} tx ${call.txHash}`;
}
