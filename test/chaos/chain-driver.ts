/**
 * The chaos run's chain: anvil with automine off, one block per step, mined by the run itself so
 * reorgs never race the miner. A reorg (anvil_reorg) replaces the last 1–3 blocks with new ones and
 * re-includes their transactions at the same offsets — as on a real chain, where the txs of a dropped
 * block usually land again on the winning branch (anvil would otherwise drop them: the attacker's and
 * the admin's next nonces would then never be mined). The block hashes change, so warden sees a reorg.
 */
import type { Hex, PublicClient } from 'viem';

export interface ReorgRecord {
  /** The chain's head number when it happened (the height does not change). */
  atBlock: number;
  depth: number;
  /** Hashes replaced, lowest first. */
  droppedHashes: Hex[];
  reincludedTxs: number;
}

export interface ChainDriver {
  /** Mines one block, or (with probability `reorgRate`) reorgs the last 1–3 blocks first. */
  step(): Promise<void>;
  head(): Promise<number>;
  reorgs: ReorgRecord[];
  /** anvil_reorg calls that failed (the run goes on; they are reported). */
  failedReorgs: string[];
}

const rpc = <T>(client: PublicClient, method: string, params: unknown[] = []) => client.request({ method: method as never, params: params as never }) as Promise<T>;

export function createChainDriver(params: { client: PublicClient; random: () => number; reorgRate: number; maxDepth?: number }): ChainDriver {
  const { client, random } = params;
  const maxDepth = params.maxDepth ?? 3;
  const reorgs: ReorgRecord[] = [];
  const failedReorgs: string[] = [];

  async function reorg(depth: number): Promise<void> {
    const head = Number(await client.getBlockNumber({ cacheTime: 0 }));
    if (head - depth < 1) return;
    const replaced = await Promise.all(Array.from({ length: depth }, (_, i) => client.getBlock({ blockNumber: BigInt(head - depth + 1 + i) })));
    const reinclude: [Hex, number][] = [];
    for (const [offset, block] of replaced.entries()) {
      for (const hash of block.transactions) reinclude.push([await rpc<Hex>(client, 'eth_getRawTransactionByHash', [hash]), offset]);
    }
    try {
      await rpc(client, 'anvil_reorg', [depth, reinclude]);
      reorgs.push({ atBlock: head, depth, droppedHashes: replaced.map((block) => block.hash), reincludedTxs: reinclude.length });
    } catch (error) {
      failedReorgs.push(`depth ${depth} at ${head}: ${(error as Error).message.split('\n')[0]}`);
    }
  }

  return {
    async step() {
      if (random() < params.reorgRate) await reorg(1 + Math.floor(random() * maxDepth));
      await rpc(client, 'evm_mine');
    },
    head: async () => Number(await client.getBlockNumber({ cacheTime: 0 })),
    reorgs,
    failedReorgs,
  };
}
