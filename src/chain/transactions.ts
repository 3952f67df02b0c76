/**
 * A block's top-level transactions for detectors that set `needsTransactions`: one
 * `eth_getBlockByHash`/`ByNumber` with full transactions, plus — only for `'receipts'` — one
 * `eth_getBlockReceipts` for their status. Nothing is fetched for chains without such a detector.
 */
import { getAddress, type Hex, type PublicClient } from 'viem';
import type { BlockTransaction } from '../../detectors/types.js';

export type BlockSelector = { blockHash: Hex } | { blockNumber: number };

/** The block's transactions in block order; with `receipts`, each with its status. */
export async function fetchBlockTransactions(params: { client: PublicClient; block: BlockSelector; receipts: boolean }): Promise<BlockTransaction[]> {
  const { client, block } = params;
  const selector = 'blockHash' in block ? { blockHash: block.blockHash } : { blockNumber: BigInt(block.blockNumber) };
  const [full, receipts] = await Promise.all([
    client.getBlock({ ...selector, includeTransactions: true }),
    params.receipts
      ? (client.request({
          method: 'eth_getBlockReceipts',
          params: ['blockHash' in block ? block.blockHash : `0x${block.blockNumber.toString(16)}`],
        } as never) as Promise<RpcReceiptStatus[] | null>)
      : Promise.resolve(undefined),
  ]);
  if (params.receipts && !receipts) throw new Error(`eth_getBlockReceipts returned no receipts for block ${JSON.stringify(selector, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
  return toBlockTransactions(full.transactions, receipts ? statusesOf(receipts) : undefined);
}

/** An RPC receipt, the two fields read here. */
export interface RpcReceiptStatus {
  transactionHash: Hex;
  status: Hex;
}

/** Each transaction's outcome by lowercase hash, from `eth_getBlockReceipts`. */
export function statusesOf(receipts: readonly RpcReceiptStatus[]): Map<string, 'success' | 'reverted'> {
  return new Map(receipts.map((r) => [r.transactionHash.toLowerCase(), r.status === '0x1' ? ('success' as const) : ('reverted' as const)]));
}

/** viem's transactions (from a block fetched with includeTransactions) as detectors see them (checksummed addresses). */
export function toBlockTransactions(
  transactions: readonly (Hex | { hash: Hex; from: Hex; to: Hex | null; input: Hex; value: bigint; transactionIndex: number | null })[],
  statusByHash?: Map<string, 'success' | 'reverted'>,
): BlockTransaction[] {
  return transactions.map((tx, index) => {
    if (typeof tx === 'string') throw new Error('block fetched without full transactions');
    const status = statusByHash?.get(tx.hash.toLowerCase());
    return {
      hash: tx.hash,
      from: getAddress(tx.from),
      ...(tx.to ? { to: getAddress(tx.to) } : {}),
      input: tx.input,
      value: tx.value,
      transactionIndex: tx.transactionIndex ?? index,
      ...(status ? { status } : {}),
    };
  });
}
