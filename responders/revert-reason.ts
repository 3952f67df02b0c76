/**
 * Turns a reverted pause into a sentence an on-call engineer can act on, e.g.
 * `guardian 0xAb… lacks PAUSER_ROLE to call pause() on vault (AccessControlUnauthorizedAccount(0xAb…, PAUSER_ROLE))`.
 * It replays the same call (same sender, calldata, gas) with eth_call at the block before the receipt.
 */
import { BaseError, ContractFunctionRevertedError, type Address, type PublicClient } from 'viem';
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
}): Promise<string> {
  const { target, guardian } = params;
  const call = `${target.function.name}() on ${target.contract}`;
  try {
    await params.publicClient.simulateContract({
      address: target.address,
      abi: [target.function, ...target.errorAbi],
      functionName: target.function.name,
      args: target.args,
      account: guardian,
      gas: target.gasLimit,
      blockNumber: params.blockNumber > 0n ? params.blockNumber - 1n : params.blockNumber,
    });
    return `${call} reverted in block ${params.blockNumber} (replaying it succeeds, so the state changed in that block; gas limit ${target.gasLimit} may also be too low)`;
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
      return `guardian ${guardian} lacks ${role ?? 'the role'} to call ${call} (${detail})`;
    }
    return `${call} reverted: ${detail}`;
  }
}

