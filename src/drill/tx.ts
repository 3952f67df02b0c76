/**
 * Small transaction helpers for the drill's actors (deployer, depositors, attacker).
 *
 * Why not viem's wallet actions: the actors send several transactions per block with nonces, gas and
 * fees they choose themselves (a tx that depends on one still pending cannot be estimated, and an
 * exploit step must be mined even when it will revert). Signing locally and sending the raw
 * transaction costs exactly one RPC call per transaction — set-up and attack pacing stay predictable.
 */
import {
  createPublicClient,
  http,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type TransactionReceipt,
} from 'viem';
import { sleep } from '../chain/retry.js';

/** An HTTP client polling fast enough for 1 s blocks (viem's default for HTTP is 4 s). */
export function createDrillClient(params: { rpcUrl: string; pollingIntervalMs?: number }): PublicClient {
  return createPublicClient({ transport: http(params.rpcUrl), pollingInterval: params.pollingIntervalMs ?? 50 });
}

export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/**
 * EIP-1559 fees from the latest block's base fee: maxFeePerGas = baseFee × multiplier + tip, the same
 * formula warden's guardian uses (with a larger multiplier), so who lands first in a block is decided by
 * the multipliers alone — anvil orders pending transactions by maxFeePerGas.
 */
export async function feesFromLatestBlock(params: { client: PublicClient; multiplier: number; priorityFee: bigint }): Promise<Fees> {
  const block = await params.client.getBlock({ blockTag: 'latest' });
  const baseFee = block.baseFeePerGas ?? 0n;
  // Multiplier in basis points keeps the arithmetic exact in bigint.
  const scaled = (baseFee * BigInt(Math.round(params.multiplier * 10_000))) / 10_000n;
  return { maxFeePerGas: scaled + params.priorityFee, maxPriorityFeePerGas: params.priorityFee };
}

/** Signs an EIP-1559 transaction locally and broadcasts it; resolves with its hash once the node accepted it. */
export async function sendSigned(params: {
  client: PublicClient;
  account: LocalAccount;
  chainId: number;
  nonce: number;
  /** Omit to deploy a contract (`data` is then the deploy data). */
  to?: Hex;
  data: Hex;
  gas: bigint;
  fees: Fees;
}): Promise<Hex> {
  const serializedTransaction = await params.account.signTransaction({
    type: 'eip1559',
    chainId: params.chainId,
    nonce: params.nonce,
    to: params.to ?? null,
    data: params.data,
    gas: params.gas,
    value: 0n,
    ...params.fees,
  });
  return params.client.sendRawTransaction({ serializedTransaction });
}

/** The wait was cancelled through its AbortSignal. */
export class AbortedError extends Error {
  override name = 'AbortedError';
  constructor() {
    super('aborted');
  }
}

/**
 * Polls for a transaction's receipt. Resolves with it (successful or reverted) as soon as the node has
 * it; throws {@link AbortedError} when `signal` aborts, or an Error after `timeoutMs` (default 60 s).
 */
export async function waitForReceipt(params: {
  client: PublicClient;
  hash: Hex;
  pollingIntervalMs?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}): Promise<TransactionReceipt> {
  const deadline = Date.now() + (params.timeoutMs ?? 60_000);
  for (;;) {
    if (params.signal?.aborted) throw new AbortedError();
    const receipt = await params.client.getTransactionReceipt({ hash: params.hash }).catch(() => undefined);
    if (receipt) return receipt;
    if (Date.now() > deadline) throw new Error(`transaction ${params.hash} was not mined within ${params.timeoutMs ?? 60_000} ms`);
    await sleep(params.pollingIntervalMs ?? 25, params.signal);
    if (params.signal?.aborted) throw new AbortedError();
  }
}
