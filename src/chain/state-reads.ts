/**
 * All state reads of a block in ONE eth_call.
 *
 * - Multicall3 deployed at its canonical address (checked once per chain, on first use):
 *   `aggregate3` with allowFailure, ETH balances through its `getEthBalance`. One eth_call.
 * - No Multicall3: viem's deployless multicall (the Multicall3 bytecode runs inside the eth_call)
 *   for view calls — still one eth_call. A deployless contract cannot be called back for
 *   `getEthBalance` (its address is not known in advance), so ETH balances then fall back to
 *   `eth_getBalance`, one per address, in parallel (last resort; every major chain has Multicall3).
 *
 * A call that reverts becomes `{ ok: false }` for its detector; a transport failure of the whole
 * batch throws, so the follower retries the block instead of feeding detectors bogus failures.
 */
import { BaseError, HttpRequestError, RpcRequestError, TimeoutError, decodeFunctionResult, encodeFunctionData, multicall3Abi, parseAbi, type Address, type Hex, type PublicClient } from 'viem';
import type { ReadResult, StateRead } from '../../detectors/types.js';
import { describeError } from '../errors.js';

export const multicall3Address: Address = '0xcA11bde05977b3631167028862bE2a173976CA11';
const ethBalanceAbi = parseAbi(['function getEthBalance(address addr) view returns (uint256 balance)']);

export type ReadMode = 'multicall3' | 'deployless';

export interface StateReader {
  /** Results in the order of `reads`. No reads: no RPC call. */
  read(reads: StateRead[], blockNumber: number): Promise<ReadResult[]>;
  mode(): Promise<ReadMode>;
}

export function createStateReader(params: { client: PublicClient; forceMode?: ReadMode }): StateReader {
  const { client } = params;
  let modePromise: Promise<ReadMode> | undefined;
  const mode = () => {
    modePromise ??= params.forceMode
      ? Promise.resolve(params.forceMode)
      : client.getCode({ address: multicall3Address }).then((code) => (code && code !== '0x' ? 'multicall3' : 'deployless'));
    // A failed check is retried next time instead of being cached.
    modePromise.catch(() => (modePromise = undefined));
    return modePromise;
  };

  async function viaMulticall3(reads: StateRead[], blockNumber: bigint): Promise<ReadResult[]> {
    const calls = reads.map((read) => ({
      target: read.type === 'call' ? read.address : multicall3Address,
      allowFailure: true,
      callData:
        read.type === 'call'
          ? encodeFunctionData({ abi: read.abi, functionName: read.functionName, args: read.args ?? [] } as never)
          : encodeFunctionData({ abi: ethBalanceAbi, functionName: 'getEthBalance', args: [read.address] }),
    }));
    const results = (await client.readContract({
      address: multicall3Address,
      abi: multicall3Abi,
      functionName: 'aggregate3',
      args: [calls],
      blockNumber,
    })) as readonly { success: boolean; returnData: Hex }[];
    return reads.map((read, i) => {
      const { success, returnData } = results[i]!;
      if (!success) return { ok: false, error: `call reverted (${returnData.slice(0, 10)})` };
      try {
        const value =
          read.type === 'call'
            ? decodeFunctionResult({ abi: read.abi, functionName: read.functionName, data: returnData } as never)
            : decodeFunctionResult({ abi: ethBalanceAbi, functionName: 'getEthBalance', data: returnData });
        return { ok: true, value };
      } catch (error) {
        return { ok: false, error: `undecodable result: ${describeError(error)}` };
      }
    });
  }

  async function viaDeployless(reads: StateRead[], blockNumber: bigint): Promise<ReadResult[]> {
    const calls = reads.filter((r): r is Extract<StateRead, { type: 'call' }> => r.type === 'call');
    const balances = reads.filter((r) => r.type === 'ethBalance');
    const [callResults, balanceResults] = await Promise.all([
      calls.length === 0
        ? []
        : client.multicall({
            contracts: calls.map((c) => ({ address: c.address, abi: c.abi, functionName: c.functionName, args: c.args ?? [] })) as never[],
            allowFailure: true,
            deployless: true,
            batchSize: 0, // never split: one eth_call
            blockNumber,
          }),
      Promise.all(balances.map((b) => client.getBalance({ address: b.address, blockNumber }))),
    ]);
    const results = callResults as { status: 'success' | 'failure'; result?: unknown; error?: Error }[];
    // viem turns a failed eth_call into the same error object for every entry: that is a transport failure.
    const first = results[0]?.error;
    if (first && isTransportError(first) && results.every((r) => r.error === first)) {
      throw results[0]!.error;
    }
    let callIndex = 0;
    let balanceIndex = 0;
    return reads.map((read) => {
      if (read.type === 'ethBalance') return { ok: true, value: balanceResults[balanceIndex++] };
      const r = results[callIndex++]!;
      return r.status === 'success' ? { ok: true, value: r.result } : { ok: false, error: describeError(r.error) };
    });
  }

  return {
    async read(reads, blockNumber) {
      if (reads.length === 0) return [];
      return (await mode()) === 'multicall3' ? viaMulticall3(reads, BigInt(blockNumber)) : viaDeployless(reads, BigInt(blockNumber));
    },
    mode,
  };
}

function isTransportError(error: Error): boolean {
  return (
    error instanceof BaseError &&
    Boolean(error.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError || e instanceof RpcRequestError))
  );
}
