/**
 * walkBack against a real anvil: the common ancestor and dropped hashes of a reorg, and the two
 * ways a stale block must end the walk (BlockReorgedError) instead of following a dead branch or
 * retrying forever.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hex } from 'viem';
import { freePort, startAnvil, type Anvil } from '../../src/drill/processes.js';
import { createBlockFetcher, type BlockFetcher } from '../../src/chain/block-fetcher.js';
import { BlockReorgedError, walkBack } from '../../src/chain/reorg-walk.js';
import type { BlockHeader } from '../../detectors/types.js';
import { mine, reorg, rollback, rpc } from './evm.js';

let anvil: Anvil;
let fetcher: BlockFetcher;
let byHashCalls: Hex[];

const observe = () => ({ wallMs: 0, monoNs: '0', runId: 'test' });

beforeAll(async () => {
  anvil = await startAnvil();
  const real = createBlockFetcher({ client: rpc(anvil.url), observe });
  fetcher = { ...real, byHash: (hash) => (byHashCalls.push(hash), real.byHash(hash)) };
});
afterAll(async () => {
  await anvil?.stop();
});

/** The newest `count` canonical headers, oldest first. */
async function chainTail(count: number): Promise<BlockHeader[]> {
  const top = (await fetcher.latest()).header.number;
  return Promise.all(Array.from({ length: count }, async (_, i) => (await fetcher.byNumber(top - count + 1 + i)).header));
}

describe('walkBack', () => {
  it('walks a new branch back to the common ancestor and names exactly the dropped blocks', async () => {
    await mine(rpc(anvil.url), 5);
    const recent = await chainTail(5);
    await reorg(rpc(anvil.url), 2);
    const newHead = await fetcher.latest();
    byHashCalls = [];
    const walk = await walkBack({ block: newHead, recent, depth: 16, fetcher });
    expect(walk.branch.map((b) => b.header.number)).toEqual([recent[3]!.number, recent[4]!.number]);
    expect(walk.branch.at(-1)).toBe(newHead);
    expect(walk.droppedHashes).toEqual([recent[3]!.hash, recent[4]!.hash]);
    expect(walk.commonAncestor).toEqual({ number: recent[2]!.number, hash: recent[2]!.hash });
    expect(walk.keep).toBe(3);
    expect(walk.tooDeep).toBe(false);
    expect(byHashCalls).toEqual([newHead.header.parentHash]);
  });

  it('refuses a block that is no longer canonical without walking its branch', async () => {
    await mine(rpc(anvil.url), 4);
    const old = await chainTail(4);
    await reorg(rpc(anvil.url), 2);
    const recent = [...old.slice(0, 2), (await fetcher.byNumber(old[2]!.number)).header]; // we followed the new branch
    byHashCalls = [];
    const stale = { header: old[3]!, observedAt: observe() };
    await expect(walkBack({ block: stale, recent, depth: 16, fetcher })).rejects.toBeInstanceOf(BlockReorgedError);
    // A node that keeps side blocks would have answered these: the walk must not even ask.
    expect(byHashCalls).toEqual([]);
  });

  it('turns a parent the node no longer has into BlockReorgedError (the chain got shorter)', async () => {
    await mine(rpc(anvil.url), 4);
    const old = await chainTail(4);
    await rollback(rpc(anvil.url), 2); // old[2] and old[3] are gone; nothing at old[3]'s height
    byHashCalls = [];
    const stale = { header: old[3]!, observedAt: observe() };
    await expect(walkBack({ block: stale, recent: old.slice(0, 2), depth: 16, fetcher })).rejects.toBeInstanceOf(BlockReorgedError);
    expect(byHashCalls).toEqual([old[2]!.hash]);
  });

  it('reports a reorg deeper than depth as dropping every retained block', async () => {
    await mine(rpc(anvil.url), 4);
    const recent = await chainTail(4);
    await reorg(rpc(anvil.url), 4);
    const walk = await walkBack({ block: await fetcher.latest(), recent, depth: 2, fetcher });
    expect(walk.tooDeep).toBe(true);
    expect(walk.keep).toBe(0);
    expect(walk.droppedHashes).toEqual(recent.map((b) => b.hash));
  });

  it('lets other RPC errors through for the caller to retry', async () => {
    const dead = createBlockFetcher({ client: rpc(`http://127.0.0.1:${await freePort()}`), observe });
    const recent = await chainTail(2);
    const block = { header: { ...recent[1]!, number: recent[1]!.number + 1, parentHash: `0x${'11'.repeat(32)}` as Hex }, observedAt: observe() };
    const error = await walkBack({ block, recent, depth: 16, fetcher: dead }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(BlockReorgedError);
  });
});
