/**
 * Turns a reverted pause into a sentence an on-call engineer can act on, e.g.
 * `guardian 0xAb… lacks PAUSER_ROLE to call pause() on vault (AccessControlUnauthorizedAccount(0xAb…, PAUSER_ROLE))`.
 * It replays the same call (same sender, calldata, gas) with eth_call at the block before the receipt.
 * Through a Safe or a Roles module it first replays the inner call as the Safe (does the Safe hold the
 * role?), then the outer call as the guardian (signatures, nonce, module membership and scope).
 */
import { BaseError, ContractFunctionRevertedError, decodeErrorResult, isHex, type Address, type Hex, type PublicClient } from 'viem';
import { innerCaller, type PauseCall } from './pause-route.js';
import { rolesAbi, rolesConditionStatus } from './safe/roles.js';
import { knownRoleName } from '../src/access-control.js';
import { describeError } from '../src/errors.js';
import type { ResolvedPauseTarget } from './pause-targets.js';

const permissionErrors = new Set(['AccessControlUnauthorizedAccount', 'OwnableUnauthorizedAccount']);
const permissionText = /access ?control|not (the )?owner|unauthori[sz]ed|missing role|caller is not|forbidden|only ?(owner|guardian|pauser|admin)/i;

export async function explainRevert(params: {
  publicClient: PublicClient;
  target: ResolvedPauseTarget;
  guardian: Address;
  blockNumber: bigint;
  /** The call the guardian sent, when it was not the target itself (Safe or module routes). */
  call?: PauseCall;
}): Promise<string> {
  const { target, guardian } = params;
  const call = `${target.function.name}() on ${target.contract}`;
  const blockNumber = params.blockNumber > 0n ? params.blockNumber - 1n : params.blockNumber;
  const actor = innerCaller(target, guardian);
  const actorName = target.route.mode === 'eoa' ? `guardian ${guardian}` : `Safe ${actor}`;
  try {
    await params.publicClient.simulateContract({
      address: target.address,
      abi: [target.function, ...target.errorAbi],
      functionName: target.function.name,
      args: target.args,
      account: actor,
      gas: target.gasLimit,
      blockNumber,
    });
  } catch (error) {
    const reverted = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
    if (!(reverted instanceof ContractFunctionRevertedError)) {
      return `${call} reverted in block ${params.blockNumber} (replaying it failed too: ${describeError(error)})`;
    }
    // require(…, "message") decodes as Error(string): keep just the message so the text test applies.
    const name = reverted.data?.errorName === 'Error' ? undefined : reverted.data?.errorName;
    const args = (reverted.data?.args ?? []).map((arg) => knownRoleName(arg) ?? String(arg));
    const detail = name
      ? `${name}(${args.join(', ')})`
      : (reverted.reason ?? (reverted.signature ? `unknown error ${reverted.signature}` : 'no reason given'));
    if ((name && permissionErrors.has(name)) || (!name && permissionText.test(detail))) {
      const role = name === 'AccessControlUnauthorizedAccount' ? knownRoleName(reverted.data?.args?.[1]) : undefined;
      return `${actorName} lacks ${role ?? 'the role'} to call ${call} (${detail})`;
    }
    return `${call} reverted: ${detail}`;
  }
  if (params.call && params.call.to !== target.address) {
    const outer = await outerRevert(params.publicClient, params.call, guardian, blockNumber);
    if (outer) return `${call} through ${target.route.mode === 'safe-module' ? `Roles module ${params.call.to}` : `Safe ${params.call.to}`} reverted: ${outer}`;
  }
  return `${call} reverted in block ${params.blockNumber} (replaying it succeeds, so the state changed in that block; gas limit ${target.gasLimit} may also be too low)`;
}

/** What Safe's `GSxxx` revert codes mean for a pause. */
const safeErrors: Record<string, string> = {
  GS010: 'not enough gas for the Safe transaction (raise gasLimit)',
  GS013: 'the inner call failed',
  GS020: 'too few signatures for the Safe\'s threshold (add signers, or use mode safe-propose)',
  GS025: 'a signature is an unapproved hash',
  GS026: 'a signature is not from an owner, or signed another SafeTx (the Safe nonce moved, or the signers changed)',
  GS104: 'the module is not enabled on the Safe',
};

/** The outer call's revert, in words; undefined when replaying it succeeds. */
async function outerRevert(client: PublicClient, call: PauseCall, guardian: Address, blockNumber: bigint): Promise<string | undefined> {
  try {
    await client.call({ to: call.to, data: call.data, account: guardian, gas: call.gas, blockNumber });
    return undefined;
  } catch (error) {
    const data = revertData(error);
    const reason = data ? decodeReason(data) : undefined;
    if (reason && safeErrors[reason]) return `${reason}: ${safeErrors[reason]}`;
    return reason ?? describeError(error);
  }
}

/** The revert data somewhere in a viem error chain (nodes put it in different places). */
function revertData(error: unknown): Hex | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const found = error.walk((e) => {
    const data = (e as { data?: unknown }).data;
    return (typeof data === 'string' && isHex(data)) || (typeof data === 'object' && data !== null && isHex((data as { data?: unknown }).data));
  }) as { data?: Hex | { data: Hex } } | null;
  const data = found?.data;
  return typeof data === 'string' ? data : data?.data;
}

function decodeReason(data: Hex): string | undefined {
  try {
    const decoded = decodeErrorResult({ abi: rolesAbi, data });
    if (decoded.errorName === 'ConditionViolation') {
      const status = Number(decoded.args[0]);
      const name = Object.entries(rolesConditionStatus).find(([, value]) => value === status)?.[0] ?? `status ${status}`;
      return `ConditionViolation(${name}): the role does not allow this call`;
    }
    return `${decoded.errorName}(${(decoded.args ?? []).map(String).join(', ')})`;
  } catch {
    return data.length > 2 ? `unknown error ${data.slice(0, 10)}` : undefined;
  }
}
