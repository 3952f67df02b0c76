/**
 * Reorgs deeper than finalityDepth (the in-memory window): the follower walks back by hash past it,
 * to the common ancestor among the processed blocks the checkpoint store keeps, names exactly the
 * dropped blocks, processes the whole new branch once and raises one deep-reorg alert. Beyond the
 * walk's bound it says what it cannot reconcile and resyncs. Real anvil (anvil_reorg with other txs
 * on the new branch) and redis-server (follower-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Hex } from 'viem';
import type { ChainConfig } from '../../src/config/schema.js';
import { accounts, mine, reorg } from './evm.js';
import { useFollowerEnv, waitFor, type Harness } from './follower-harness.js';

const env = useFollowerEnv();
const { client, head, caughtUp } = env;

const hashAt = async (n: number) => (await client().getBlock({ blockNumber: BigInt(n) })).hash as Hex;

/** Canonical (number, hash) of blocks from..to, as the node has them now. */
async function canonical(from: number, to: number) {
  return Promise.all(Array.from({ length: to - from + 1 }, async (_, i) => ({ number: from + i, hash: await hashAt(from + i) })));
}

/** anvil_reorg of `depth` with value transfers in some of the new blocks (so the new branch has other txs). */
async function reorgWithTxs(depth: number) {
  const [from, to] = await accounts(client());
  const offsets = [0, Math.floor(depth / 2), depth - 1];
  await reorg(client(), depth, offsets.map((offset, i) => [{ from, to, value: `0x${(i + 1).toString(16)}` }, offset]));
  const top = (await head()).number;
  for (const offset of offsets) {
    const block = await client().getBlock({ blockNumber: BigInt(top - depth + 1 + offset) });
    expect(block.transactions, `new-branch block at offset ${offset}`).toHaveLength(1);
  }
}

/** A follower that has processed `blocks` blocks after its start block, caught up. */
async function followCaughtUp(chain: ChainConfig, blocks: number, retain?: number): Promise<Harness> {
  const h = env.follow({ chain, ...(retain ? { retain } : {}) });
  await h.follower.start();
  await mine(client(), blocks);
  await waitFor('catch up', caughtUp(h));
  return h;
}

const deepLogs = (h: Harness) => h.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('reorg deeper than'));

describe('a reorg deeper than finalityDepth', () => {
  it('finds the ancestor among the processed blocks, names exactly the dropped ones, processes the new branch once, alerts once', async () => {
    const chain = env.chainConfig({ finalityDepth: 3 });
    const h = await followCaughtUp(chain, 12);
    const before = await head();
    const processedBefore = h.blocks.length;
    const oldTail = h.blocks.slice(-8);
    await reorgWithTxs(8);
    await waitFor('reorg handled', caughtUp(h));

    const ancestor = { number: before.number - 8, hash: await hashAt(before.number - 8) };
    expect(h.reorgs).toEqual([{ chainId: chain.id, droppedHashes: oldTail.map((b) => b.hash), commonAncestor: ancestor }]);
    // Exactly the new canonical chain after the ancestor, in order, each once.
    expect(h.blocks.slice(processedBefore)).toEqual(await canonical(ancestor.number + 1, before.number));
    expect(h.deepReorgs).toEqual([{ chainId: chain.id, depth: 8, commonAncestor: ancestor, droppedHashes: oldTail.map((b) => b.hash), newHead: await head() }]);
    expect(deepLogs(h)).toHaveLength(1);
    expect(await h.checkpoint.get()).toEqual(await head());

    await mine(client(), 2); // and keeps following
    await waitFor('next blocks', caughtUp(h));
    const live = h.blocks.filter((b) => !oldTail.includes(b));
    await env.expectCanonicalOnce(live, h.blocks[0]!.number, (await head()).number);
    expect(h.deepReorgs).toHaveLength(1);
    await h.follower.stop();
  });

  it('over WebSocket newHeads, with more blocks on top of the new branch', async () => {
    const chain = env.chainConfig({ finalityDepth: 3, rpc: { http: [env.anvil.url], ws: [env.anvil.wsUrl] }, blockTime: 1 });
    const h = env.follow({ chain });
    await h.follower.start();
    await waitFor('socket up', () => h.follower.headMode() === 'ws');
    await mine(client(), 10);
    await waitFor('catch up', caughtUp(h));
    const before = await head();
    const processedBefore = h.blocks.length;
    const oldTail = h.blocks.slice(-6);
    await reorgWithTxs(6);
    await mine(client(), 2);
    await waitFor('reorg handled', caughtUp(h));

    const ancestor = { number: before.number - 6, hash: await hashAt(before.number - 6) };
    expect(h.reorgs).toEqual([{ chainId: chain.id, droppedHashes: oldTail.map((b) => b.hash), commonAncestor: ancestor }]);
    expect(h.blocks.slice(processedBefore)).toEqual(await canonical(ancestor.number + 1, before.number + 2));
    expect(h.deepReorgs.map((e) => [e.depth, e.commonAncestor])).toEqual([[6, ancestor]]);
    expect(await h.checkpoint.get()).toEqual(await head());
    await h.follower.stop();
  });

  it('a reorg within finalityDepth raises no alert', async () => {
    const chain = env.chainConfig({ finalityDepth: 3 });
    const h = await followCaughtUp(chain, 6);
    const oldTail = h.blocks.slice(-3);
    await reorgWithTxs(3);
    await waitFor('reorg handled', caughtUp(h));
    expect(h.reorgs.map((r) => r.droppedHashes)).toEqual([oldTail.map((b) => b.hash)]);
    expect(h.deepReorgs).toEqual([]);
    expect(deepLogs(h)).toEqual([]);
    await h.follower.stop();
  });

  it('across a restart: a reorg while stopped deeper than finalityDepth is reconciled from the processed blocks', async () => {
    const chain = env.chainConfig({ finalityDepth: 3 });
    const keyPrefix = env.newPrefix();
    const first = env.follow({ keyPrefix, chain });
    await first.follower.start();
    await mine(client(), 10);
    await waitFor('catch up', caughtUp(first));
    await first.follower.stop();
    const before = await head();
    const processedBefore = first.blocks.length;
    const oldTail = first.blocks.slice(-7);
    await reorgWithTxs(7);
    await mine(client(), 1);

    const second = env.follow({ keyPrefix, chain, into: first });
    await second.follower.start(); // resolves once caught up
    const ancestor = { number: before.number - 7, hash: await hashAt(before.number - 7) };
    expect(first.reorgs).toEqual([{ chainId: chain.id, droppedHashes: oldTail.map((b) => b.hash), commonAncestor: ancestor }]);
    expect(first.deepReorgs.map((e) => [e.depth, e.commonAncestor, e.droppedHashes.length, e.unreconciled])).toEqual([[7, ancestor, 7, undefined]]);
    expect(first.blocks.slice(processedBefore)).toEqual(await canonical(ancestor.number + 1, before.number + 1));
    expect(await second.checkpoint.get()).toEqual(await head());
    await second.follower.stop();
  });
});

describe('a reorg beyond what the walk may reconcile', () => {
  // Bounded by maxCatchUpBlocks (5 blocks fetched), or by the processed blocks the checkpoint keeps (6).
  it.each([
    // The walk fetched 5 blocks; it compared the processed blocks down to the one below them.
    { bound: 'maxCatchUpBlocks', overrides: { maxCatchUpBlocks: 5 }, retain: undefined, walked: 5, compared: 6 },
    // The checkpoint keeps 6 processed blocks: the walk went down to the oldest of them, then stopped.
    { bound: 'the retained processed blocks', overrides: {}, retain: 6, walked: 6, compared: 6 },
  ])('bounded by $bound: names the range it cannot reconcile, processes the walked branch once, alerts', async ({ overrides, retain, walked, compared: comparedCount }) => {
    const chain = env.chainConfig({ finalityDepth: 3, ...overrides });
    const h = await followCaughtUp(chain, 12, retain);
    const before = await head();
    const processedBefore = h.blocks.length;
    await reorgWithTxs(8);
    await waitFor('resynced', caughtUp(h));

    // The walked branch is the top `walked` blocks; the new-branch block below it is where processing resumes.
    const base = { number: before.number - walked, hash: await hashAt(before.number - walked) };
    const compared = h.blocks.slice(processedBefore - comparedCount, processedBefore);
    const comparedFrom = before.number - comparedCount + 1;
    expect(h.reorgs).toEqual([{ chainId: chain.id, droppedHashes: compared.map((b) => b.hash), commonAncestor: base }]);
    expect(h.blocks.slice(processedBefore)).toEqual(await canonical(base.number + 1, before.number));
    expect(h.deepReorgs).toEqual([
      { chainId: chain.id, depth: walked, commonAncestor: base, droppedHashes: compared.map((b) => b.hash), newHead: await head(), unreconciled: { comparedFrom } },
    ]);
    // Loud, and it says what is not checked: the new-branch blocks up to the base.
    const [loud] = deepLogs(h);
    expect(loud).toMatchObject({ level: 50, comparedFrom, skippedTo: base.number, chain: 'anvil' });
    expect(loud!.msg).toContain(`new-branch blocks up to ${base.number} are NOT checked`);
    expect(await h.checkpoint.get()).toEqual(await head());
    await mine(client(), 1);
    await waitFor('still following', caughtUp(h));
    expect(h.reorgs).toHaveLength(1);
    await h.follower.stop();
  });
});
