/**
 * The anvil controls a scenario needs: impersonated senders (funded for gas only when they lack it),
 * several calls in one block whatever the mining mode, and revert reasons read from the chain.
 *
 * Facts about anvil these rely on (checked with anvil 1.7):
 * - `anvil_getAutomine` / `anvil_getIntervalMining` tell the mode: automine, interval (seconds) or neither.
 * - `anvil_setAutomine(false)` stops automine but does not stop interval mining, and
 *   `anvil_setAutomine(true)` turns an interval chain into an automine one; interval mining is paused
 *   with `anvil_setIntervalMining(0)` and resumed with its seconds. So the mode is read and restored exactly.
 * - `eth_sendTransaction` from an impersonated account (a contract too) needs no key; with an explicit
 *   gas limit a call that will revert is still mined, and `debug_traceTransaction` (callTracer) returns
 *   its revert data as `output`.
 */
import { decodeErrorResult, parseAbi, type Address, type Hex, type PublicClient } from 'viem';
import { knownRoleName } from '../access-control.js';
import type { Fees } from './tx.js';

type Rpc = (method: string, params?: unknown[]) => Promise<unknown>;

/** JSON-RPC through the client's transport, for the anvil_* methods viem's public actions do not type. */
export function anvilRpc(client: PublicClient): Rpc {
  return (method, params = []) => client.request({ method, params } as never) as Promise<unknown>;
}

export interface MiningMode {
  automine: boolean;
  /** Seconds between blocks under interval mining; undefined otherwise. */
  intervalSeconds?: number;
}

export async function readMiningMode(rpc: Rpc): Promise<MiningMode> {
  const [automine, interval] = await Promise.all([rpc('anvil_getAutomine'), rpc('anvil_getIntervalMining')]);
  return typeof interval === 'number' && interval > 0 ? { automine: automine === true, intervalSeconds: interval } : { automine: automine === true };
}

/**
 * Runs `send` with mining stopped, mines exactly one block, then restores the mode as it was, even if
 * `send` throws. Everything pending at that moment (a guardian's pause too) competes for that block.
 */
export async function inOneBlock<T>(rpc: Rpc, mode: MiningMode, send: () => Promise<T>): Promise<T> {
  if (mode.automine) await rpc('anvil_setAutomine', [false]);
  if (mode.intervalSeconds !== undefined) await rpc('anvil_setIntervalMining', [0]);
  try {
    const sent = await send();
    await rpc('evm_mine');
    return sent;
  } finally {
    if (mode.automine) await rpc('anvil_setAutomine', [true]);
    if (mode.intervalSeconds !== undefined) await rpc('anvil_setIntervalMining', [mode.intervalSeconds]);
  }
}

/**
 * Impersonates `account` and, when its balance cannot pay `needed` wei, raises it by what is missing
 * (twice over, for fee drift). Returns the wei added, so reports can tell the attack's own ETH from ours.
 */
export async function impersonate(params: { client: PublicClient; rpc: Rpc; account: Address; needed: bigint }): Promise<bigint> {
  await params.rpc('anvil_impersonateAccount', [params.account]);
  const balance = await params.client.getBalance({ address: params.account });
  if (balance >= params.needed) return 0n;
  const added = (params.needed - balance) * 2n;
  await params.rpc('anvil_setBalance', [params.account, `0x${(balance + added).toString(16)}`]);
  return added;
}

export interface PreparedCall {
  from: Address;
  to: Address;
  data: Hex;
  value: bigint;
  gas: bigint;
}

/** Gas for a call that must be mined even when it reverts: the estimate plus half, or this when the estimate reverts. */
export const REVERTING_CALL_GAS = 3_000_000n;

export async function gasFor(params: { client: PublicClient; call: Omit<PreparedCall, 'gas'> & { gas?: bigint } }): Promise<bigint> {
  if (params.call.gas !== undefined) return params.call.gas;
  try {
    const { from, to, data, value } = params.call;
    const estimate = await params.client.estimateGas({ account: from, to, data, value });
    return (estimate * 3n) / 2n;
  } catch {
    return REVERTING_CALL_GAS;
  }
}

/** Sends a prepared call from its (impersonated) sender; resolves with the hash once the node has it. */
export async function sendImpersonated(params: { rpc: Rpc; call: PreparedCall; fees: Fees }): Promise<Hex> {
  const { call, fees } = params;
  const hex = (value: bigint) => `0x${value.toString(16)}`;
  return (await params.rpc('eth_sendTransaction', [
    {
      from: call.from,
      to: call.to,
      data: call.data,
      value: hex(call.value),
      gas: hex(call.gas),
      maxFeePerGas: hex(fees.maxFeePerGas),
      maxPriorityFeePerGas: hex(fees.maxPriorityFeePerGas),
    },
  ])) as Hex;
}

/** Errors people meet in drills (OpenZeppelin 5); Error(string) and Panic(uint256) are decoded by viem itself. */
const commonErrors = parseAbi([
  'error EnforcedPause()',
  'error ExpectedPause()',
  'error AccessControlUnauthorizedAccount(address account, bytes32 neededRole)',
  'error OwnableUnauthorizedAccount(address account)',
  'error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)',
  'error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)',
  'error SafeERC20FailedOperation(address token)',
  'error ReentrancyGuardReentrantCall()',
  'error UUPSUnauthorizedCallContext()',
  'error ERC1967InvalidImplementation(address implementation)',
]);

/** Why a mined transaction reverted, in words: `EnforcedPause()`, `Pausable: paused`, or `custom error 0x1234abcd`. */
export async function revertReasonOf(rpc: Rpc, txHash: Hex): Promise<string> {
  let output: Hex | undefined;
  try {
    const trace = (await rpc('debug_traceTransaction', [txHash, { tracer: 'callTracer' }])) as { output?: Hex; error?: string };
    output = trace.output;
    if (!output || output === '0x') return trace.error === 'out of gas' ? 'out of gas' : 'reverted without a reason';
  } catch {
    return 'reverted (the node gave no trace to read the reason from)';
  }
  try {
    // viem adds Error(string) and Panic(uint256) to the ABI itself; its types do not say so.
    const decoded = decodeErrorResult({ abi: commonErrors, data: output }) as { errorName: string; args?: readonly unknown[] };
    if (decoded.errorName === 'Error') return String(decoded.args?.[0]);
    if (decoded.errorName === 'Panic') return `Panic(0x${BigInt(decoded.args?.[0] as bigint).toString(16)})`;
    const args = (decoded.args ?? []).map((arg) => knownRoleName(arg) ?? String(arg));
    return `${decoded.errorName}(${args.join(', ')})`;
  } catch {
    return `custom error ${output.slice(0, 10)}`;
  }
}
