/**
 * Readiness: can every pause step of the plan still be carried out, right now? Shared by
 * `warden check --live` (a table) and the daemon (every N blocks; a failure raises a `readiness` anomaly).
 *
 * Per chain, three kinds of check:
 * - `can pause` (per target): the pause simulated exactly as it would be sent — an eth_call of the
 *   route's call (target, Safe execTransaction with the daemon's signatures, or the Roles module call)
 *   from the guardian. For `safe-propose` the inner call is simulated as the Safe (the co-signers only
 *   add signatures). A target that already reads as contained passes: warden would send nothing.
 * - `guardian funds`: the account that pays gas holds ETH for `minPauses` pauses at current fees.
 * - `safe set-up` (per Safe): owners, threshold and modules match `expect`, and the route still
 *   works with them (mode safe: the signers meet the threshold; safe-module: the module is enabled;
 *   safe-propose: warden's signer is an owner).
 *
 * Guarantee: never throws for a failed check; a transport failure is a failed check with its reason.
 */
import { formatEther, getAddress, type Address, type LocalAccount, type PublicClient } from 'viem';
import type { GuardianConfig, SafeConfig } from '../src/config/schema.js';
import { describeError } from '../src/errors.js';
import { pauseFees } from './pause-fees.js';
import { directCall, type PauseCallBuilder } from './pause-route.js';
import { readTargetContained } from './pause-reads.js';
import type { ResolvedPauseTarget } from './pause-targets.js';
import { explainRevert } from './revert-reason.js';
import { readSafeState, type SafeState } from './safe/safe-tx.js';

export interface ReadinessResult {
  /** Stable id of the check (what a failure and its recovery are keyed by). */
  key: string;
  check: 'can pause' | 'guardian funds' | 'safe set-up';
  subject: string;
  ok: boolean;
  /** One line: the finding, or what is wrong and how to fix it. */
  detail: string;
  /** The contracts concerned (pause targets, or the Safe). */
  addresses: Address[];
}

export interface RunReadinessChecksParameters {
  client: PublicClient;
  chainId: number;
  targets: readonly ResolvedPauseTarget[];
  guardian: Address;
  guardianConfig: GuardianConfig;
  calls: PauseCallBuilder;
  safes: readonly SafeConfig[];
  safeSigners: ReadonlyMap<string, readonly LocalAccount[]>;
  /** Read at this block (default: the latest, read once so all checks agree). */
  blockNumber?: bigint;
}

export async function runReadinessChecks(params: RunReadinessChecksParameters): Promise<ReadinessResult[]> {
  const { client, guardian } = params;
  const targets = params.targets.filter((target) => target.chainId === params.chainId);
  if (targets.length === 0) return [];
  const blockNumber = params.blockNumber ?? (await client.getBlockNumber());
  const safeIds = [...new Set(targets.flatMap((target) => (target.route.mode === 'eoa' ? [] : [target.route.safeId])))];
  const safeStates = new Map(safeIds.map((id) => [id, readState(params, id, blockNumber)]));
  const results = await Promise.all([
    ...targets.map((target) => guarded(canPauseKey(target), 'can pause', subjectOf(target), [target.address], () => canPause(params, target, blockNumber))),
    ...(targets.some((target) => target.route.mode !== 'safe-propose')
      ? [guarded(`funds:${params.chainId}:${guardian}`, 'guardian funds', `${guardian} on chain ${params.chainId}`, [], () => funds(params, targets, blockNumber))]
      : []),
    ...safeIds.map((id) => {
      const safe = params.safes.find((candidate) => candidate.id === id)!;
      return guarded(`safe:${params.chainId}:${safe.id}`, 'safe set-up', `${safe.id} ${getAddress(safe.address)}`, [getAddress(safe.address)], async () =>
        safeSetUp(params, safe, targets, await safeStates.get(id)!),
      );
    }),
  ]);
  return results;
}

const canPauseKey = (target: ResolvedPauseTarget) => `pause:${target.chainId}:${target.id}`;
const subjectOf = (target: ResolvedPauseTarget) =>
  `${target.id} (${target.contract}.${target.function.name}${target.route.mode === 'eoa' ? '' : ` via ${target.route.mode}`})`;

async function guarded(
  key: string,
  check: ReadinessResult['check'],
  subject: string,
  addresses: Address[],
  run: () => Promise<{ ok: boolean; detail: string }>,
): Promise<ReadinessResult> {
  try {
    return { key, check, subject, addresses, ...(await run()) };
  } catch (error) {
    return { key, check, subject, addresses, ok: false, detail: `could not check: ${describeError(error)}` };
  }
}

function readState(params: RunReadinessChecksParameters, safeId: string, blockNumber: bigint): Promise<SafeState> {
  const safe = params.safes.find((candidate) => candidate.id === safeId)!;
  const state = readSafeState({ client: params.client, safe: getAddress(safe.address), blockNumber });
  state.catch(() => {}); // reported by the check that awaits it
  return state;
}

async function canPause(params: RunReadinessChecksParameters, target: ResolvedPauseTarget, blockNumber: bigint): Promise<{ ok: boolean; detail: string }> {
  const { client, guardian } = params;
  const name = `${target.function.name}() on ${target.contract}`;
  const code = await client.getCode({ address: target.address, blockNumber });
  if (!code || code === '0x') return { ok: false, detail: `no code at ${target.address}: ${name} would do nothing` };
  const checkName = `${target.check.function.name}()`;
  if (await readTargetContained({ client, target, blockNumber })) {
    return { ok: true, detail: `already contained: ${checkName} returns ${String(target.check.expect)}; warden would send nothing` };
  }
  const propose = target.route.mode === 'safe-propose';
  const call = propose ? directCall(target) : await params.calls.build(target);
  const from = propose && target.route.mode !== 'eoa' ? target.route.safe : guardian;
  try {
    await client.call({ account: from, to: call.to, data: call.data, gas: call.gas, blockNumber });
  } catch (error) {
    const reason = await explainRevert({ publicClient: client, target, guardian, blockNumber: blockNumber + 1n, call });
    return { ok: false, detail: reason.startsWith(name) && reason.includes('replaying it succeeds') ? describeError(error) : reason };
  }
  const how = {
    eoa: `from guardian ${guardian}`,
    safe: `through Safe ${call.to} (execTransaction from ${guardian}, signed by ${call.safeTx?.signers.join(', ')})`,
    'safe-module': `through Roles module ${call.to} from ${guardian}`,
    'safe-propose': `as Safe ${from} (co-signers must execute the proposal)`,
  }[target.route.mode];
  return { ok: true, detail: `eth_call of ${name} ${how} succeeds` };
}

async function funds(params: RunReadinessChecksParameters, targets: readonly ResolvedPauseTarget[], blockNumber: bigint): Promise<{ ok: boolean; detail: string }> {
  const { client, guardian, guardianConfig } = params;
  const sending = targets.filter((target) => target.route.mode !== 'safe-propose');
  // The most expensive pause the guardian may have to send, with the route's overhead (Safe, module).
  const gases = await Promise.all(sending.map(async (target) => (await params.calls.build(target)).gas));
  const gas = gases.reduce((max, value) => (value > max ? value : max), 0n);
  const [balance, block] = await Promise.all([client.getBalance({ address: guardian, blockNumber }), client.getBlock({ blockNumber })]);
  const fees = pauseFees({ baseFee: block.baseFeePerGas ?? 0n, feeMultiplier: guardianConfig.feeMultiplier, priorityFee: guardianConfig.priorityFee });
  const need = gas * fees.maxFeePerGas * BigInt(guardianConfig.minPauses);
  const have = `${formatEther(balance)} ETH; ${guardianConfig.minPauses} pauses at current fees need ${formatEther(need)} ETH`;
  return balance >= need ? { ok: true, detail: have } : { ok: false, detail: `${have}: send the guardian at least ${formatEther(need - balance)} ETH` };
}

function safeSetUp(
  params: RunReadinessChecksParameters,
  safe: SafeConfig,
  targets: readonly ResolvedPauseTarget[],
  state: SafeState,
): { ok: boolean; detail: string } {
  const problems: string[] = [];
  const lower = (list: readonly string[]) => new Set(list.map((entry) => entry.toLowerCase()));
  const owners = lower(state.owners);
  const modules = lower(state.modules);
  const expect = safe.expect;
  if (expect?.threshold !== undefined && expect.threshold !== state.threshold) problems.push(`threshold is ${state.threshold}, expected ${expect.threshold}`);
  if (expect?.owners) {
    const wanted = lower(expect.owners);
    const missing = [...wanted].filter((owner) => !owners.has(owner));
    const extra = [...owners].filter((owner) => !wanted.has(owner));
    if (missing.length > 0) problems.push(`owners removed: ${missing.map((a) => getAddress(a)).join(', ')}`);
    if (extra.length > 0) problems.push(`owners added: ${extra.map((a) => getAddress(a)).join(', ')}`);
  }
  for (const module of expect?.modules ?? []) if (!modules.has(module.toLowerCase())) problems.push(`module ${getAddress(module)} is not enabled`);
  const signers = (params.safeSigners.get(safe.id) ?? []).map((account) => account.address);
  const signingOwners = signers.filter((address) => owners.has(address.toLowerCase()));
  for (const target of targets) {
    const route = target.route;
    if (route.mode === 'eoa' || route.safeId !== safe.id) continue;
    if (route.mode === 'safe' && signingOwners.length < state.threshold) {
      problems.push(`${target.id}: warden's signers hold ${signingOwners.length} of the ${state.threshold} owner signatures needed (use mode safe-propose, or add signer keys)`);
    }
    if (route.mode === 'safe-propose' && signingOwners.length === 0) problems.push(`${target.id}: warden's signer is not an owner, so it cannot propose`);
    if (route.mode === 'safe-module' && !modules.has(route.module.toLowerCase())) problems.push(`${target.id}: Roles module ${route.module} is not enabled on the Safe`);
  }
  const summary = `threshold ${state.threshold} of ${state.owners.length} owners, ${state.modules.length} module(s), nonce ${state.nonce}`;
  return problems.length === 0 ? { ok: true, detail: summary } : { ok: false, detail: `${problems.join('; ')} (${summary})` };
}
