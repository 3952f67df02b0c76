/**
 * walkBack against a real anvil: the common ancestor and dropped hashes of a reorg (within the
 * in-memory blocks, and deeper: among the older processed blocks), the bound of the walk, and the two
 * ways a stale block must end the walk (BlockReorgedError) instead of following a dead branch or
 * retrying forever; and heads that lie about their parent (the RPC answer fuzz found them) end it with
 * a retryable error, never a reorg.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hex } from 'viem';
import { freePort, startAnvil, type Anvil } from '../../src/drill/processes.js';
import { createBlockFetcher, type BlockFetcher } from '../../src/chain/block-fetcher.js';
import { BlockReorgedError, HeadContradictsChainError, walkBack } from '../../src/chain/reorg-walk.js';
import { MalformedAnswerError } from '../../src/chain/rpc-values.js';
import type { BlockHeader } from '../../detectors/types.js';
import type { BlockRef } from '../../src/chain/checkpoint.js';
import { mine, reorg, rollback, rpc } from './evm.js';

let anvil: Anvil;
let fetcher: BlockFetcher;
let byHashCalls: Hex[];
let processedReads: number;

/** The checkpoint store's answer for `blocks` (given oldest first): highest first, counting reads. */
const processedOf = (blocks: readonly BlockHeader[]) => async (): Promise<BlockRef[]> => {
  processedReads++;
  return blocks.map((b) => ({ number: b.number, hash: b.hash })).reverse();
};

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
    processedReads = 0;
    const walk = await walkBack({ block: newHead, recent, processed: processedOf(recent), maxBlocks: 16, fetcher });
    expect(walk.branch.map((b) => b.header.number)).toEqual([recent[3]!.number, recent[4]!.number]);
    expect(walk.branch.at(-1)).toBe(newHead);
    expect(walk.droppedHashes).toEqual([recent[3]!.hash, recent[4]!.hash]);
    expect(walk.commonAncestor).toEqual({ number: recent[2]!.number, hash: recent[2]!.hash });
    expect(walk.keep).toBe(3);
    expect(walk.base).toBeUndefined();
    expect(walk.unreconciled).toBeUndefined();
    expect(byHashCalls).toEqual([newHead.header.parentHash]);
    expect(processedReads).toBe(0); // the in-memory blocks sufficed
  });

  it('refuses a block that is no longer canonical without walking its branch', async () => {
    await mine(rpc(anvil.url), 4);
    const old = await chainTail(4);
    await reorg(rpc(anvil.url), 2);
    const recent = [...old.slice(0, 2), (await fetcher.byNumber(old[2]!.number)).header]; // we followed the new branch
    byHashCalls = [];
    const stale = { header: old[3]!, observedAt: observe() };
    await expect(walkBack({ block: stale, recent, processed: processedOf(recent), maxBlocks: 16, fetcher })).rejects.toBeInstanceOf(BlockReorgedError);
    // A node that keeps side blocks would have answered these: the walk must not even ask.
    expect(byHashCalls).toEqual([]);
  });

  it('turns a parent the node no longer has into BlockReorgedError (the chain got shorter)', async () => {
    await mine(rpc(anvil.url), 4);
    const old = await chainTail(4);
    await rollback(rpc(anvil.url), 2); // old[2] and old[3] are gone; nothing at old[3]'s height
    byHashCalls = [];
    const stale = { header: old[3]!, observedAt: observe() };
    await expect(walkBack({ block: stale, recent: old.slice(0, 2), processed: processedOf(old.slice(0, 2)), maxBlocks: 16, fetcher })).rejects.toBeInstanceOf(BlockReorgedError);
    expect(byHashCalls).toEqual([old[2]!.hash]);
  });

  it('walks past the in-memory blocks to an ancestor among the older processed blocks', async () => {
    await mine(rpc(anvil.url), 8);
    const processed = await chainTail(8); // the checkpoint store's list
    const recent = processed.slice(-2); // the in-memory window (finalityDepth 2)
    await reorg(rpc(anvil.url), 6);
    const newHead = await fetcher.latest();
    byHashCalls = [];
    processedReads = 0;
    const walk = await walkBack({ block: newHead, recent, processed: processedOf(processed), maxBlocks: 16, fetcher });
    const ancestor = processed[1]!;
    expect(walk.commonAncestor).toEqual({ number: ancestor.number, hash: ancestor.hash });
    expect(walk.droppedHashes).toEqual(processed.slice(2).map((b) => b.hash));
    expect(walk.branch.map((b) => b.header.number)).toEqual(processed.slice(2).map((b) => b.number));
    for (const b of walk.branch) expect(b.header.hash).toBe(await fetcher.canonicalHashAt(b.header.number));
    expect(walk.keep).toBe(0);
    expect(walk.base).toEqual(ancestor); // the local chain restarts from the ancestor's header
    expect(walk.unreconciled).toBeUndefined();
    expect(processedReads).toBe(1);
  });

  it('gives up after maxBlocks: unreconciled, naming only the processed blocks it compared', async () => {
    await mine(rpc(anvil.url), 8);
    const processed = await chainTail(8);
    await reorg(rpc(anvil.url), 6);
    const walk = await walkBack({ block: await fetcher.latest(), recent: processed.slice(-2), processed: processedOf(processed), maxBlocks: 3, fetcher });
    const top = processed[7]!.number;
    // Branch top-2..top; the block below it (top-3, new branch) is the base; processed blocks from top-3 up were compared.
    expect(walk.branch.map((b) => b.header.number)).toEqual([top - 2, top - 1, top]);
    expect(walk.unreconciled).toEqual({ comparedFrom: top - 3 });
    expect(walk.commonAncestor).toEqual({ number: top - 3, hash: await fetcher.canonicalHashAt(top - 3) });
    expect(walk.base?.hash).toBe(walk.commonAncestor.hash);
    expect(walk.droppedHashes).toEqual(processed.slice(4).map((b) => b.hash));
    expect(walk.keep).toBe(0);
  });

  it('gives up below the oldest processed block it knows: every known block is dropped', async () => {
    await mine(rpc(anvil.url), 8);
    const processed = await chainTail(4);
    await reorg(rpc(anvil.url), 6);
    const walk = await walkBack({ block: await fetcher.latest(), recent: processed.slice(-2), processed: processedOf(processed), maxBlocks: 100, fetcher });
    const top = processed[3]!.number;
    expect(walk.unreconciled).toEqual({ comparedFrom: top - 3 });
    expect(walk.branch.map((b) => b.header.number)).toEqual([top - 3, top - 2, top - 1, top]);
    expect(walk.droppedHashes).toEqual(processed.map((b) => b.hash));
  });

  it('lets other RPC errors through for the caller to retry', async () => {
    const dead = createBlockFetcher({ client: rpc(`http://127.0.0.1:${await freePort()}`), observe });
    const recent = await chainTail(2);
    const block = { header: { ...recent[1]!, number: recent[1]!.number + 1, parentHash: `0x${'11'.repeat(32)}` as Hex }, observedAt: observe() };
    const error = await walkBack({ block, recent, processed: processedOf(recent), maxBlocks: 16, fetcher: dead }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(BlockReorgedError);
  });

  it('refuses a head whose parentHash names an older processed block while the blocks after it are canonical: no reorg', async () => {
    await mine(rpc(anvil.url), 5);
    const recent = await chainTail(5);
    const tip = recent[4]!;
    // What a lying provider serves: the next block, with the parentHash of one three blocks back.
    const block = { header: { ...tip, number: tip.number + 1, hash: `0x${'22'.repeat(32)}` as Hex, parentHash: recent[1]!.hash }, observedAt: observe() };
    const error = await walkBack({ block, recent, processed: processedOf(recent), maxBlocks: 16, fetcher }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HeadContradictsChainError);
    expect(error).toBeInstanceOf(MalformedAnswerError); // retryable, like any RPC error
    expect(error).not.toBeInstanceOf(BlockReorgedError);
    expect((error as Error).message).toContain(`would drop block ${recent[2]!.number} ${recent[2]!.hash}, which is still canonical`);
  });

  it('refuses a parent that comes back with another number than its child\'s − 1', async () => {
    await mine(rpc(anvil.url), 6);
    const processed = await chainTail(6);
    const tip = processed[5]!;
    // A head whose parentHash is a real block three below it: the walk would fetch it as the parent.
    const block = { header: { ...tip, number: tip.number + 1, hash: `0x${'33'.repeat(32)}` as Hex, parentHash: processed[2]!.hash }, observedAt: observe() };
    const recent = processed.slice(-1);
    const error = await walkBack({ block, recent, processed: processedOf(processed.slice(0, 2)), maxBlocks: 16, fetcher }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedAnswerError);
    expect((error as Error).message).toContain(`came back as block ${processed[2]!.number}`);
  });
});
