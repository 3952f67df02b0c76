/**
 * The follower through live reorgs: anvil_reorg seen by polling and by newHeads, and heads that
 * went stale in the queue while a block was in progress (anvil forgets reorged-out blocks:
 * eth_getBlockByHash answers null for them). Real anvil and redis-server (follower-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Hex } from 'viem';
import { mine, reorg, rollback } from './evm.js';
import { pause, useFollowerEnv, waitFor } from './follower-harness.js';

const env = useFollowerEnv();
const { client, head, caughtUp, expectCanonicalOnce } = env;

const hashAt = async (n: number) => (await client().getBlock({ blockNumber: BigInt(n) })).hash as Hex;

/** A follower whose onBlock holds block T+1 (T = the start block) until `release()` is called. */
async function followHoldingNextBlock() {
  let release: (() => void) | undefined;
  let held: number | undefined;
  let hold = false;
  const h = env.follow({
    onBlock: async (block) => {
      if (!hold) return;
      hold = false;
      held = block.header.number;
      await new Promise<void>((r) => (release = r));
    },
  });
  await h.follower.start();
  const start = h.blocks[0]!;
  hold = true;
  await mine(client(), 1);
  await waitFor('T+1 held', () => held !== undefined);
  return { h, start, release: () => release!() };
}

describe('chain follower reorgs', () => {
  it('on anvil_reorg: names exactly the dropped hashes, processes the new branch, checkpoints the new tip', async () => {
    const h = env.follow({});
    await h.follower.start();
    await mine(client(), 5);
    await waitFor('catch up', caughtUp(h));
    const before = await head();
    const oldTail = h.blocks.slice(-3);
    await reorg(client(), 3);
    await waitFor('reorg handled', caughtUp(h));
    expect(h.reorgs).toHaveLength(1);
    expect(h.reorgs[0]!.droppedHashes).toEqual(oldTail.map((b) => b.hash));
    expect(h.reorgs[0]!.commonAncestor).toEqual({ number: before.number - 3, hash: await hashAt(before.number - 3) });
    const newTail = h.blocks.slice(-3);
    expect(newTail.map((b) => b.number)).toEqual(oldTail.map((b) => b.number));
    await expectCanonicalOnce(h.blocks.filter((b) => !oldTail.includes(b)), h.blocks[0]!.number, before.number);
    expect(await h.checkpoint.get()).toEqual(await head());
    await h.follower.stop();
  });

  it('drops heads that went stale in the queue during a reorg, and keeps following', async () => {
    // Block T+1 is held in onBlock while two more heads (T+3, T+5) queue up behind it; then a
    // reorg replaces T+1..T+5. The queued heads are stale: T+3's parent is unknown to anvil, T+5
    // is at or below our tip by the time it is handled.
    const { h, start, release } = await followHoldingNextBlock();
    await mine(client(), 2);
    await pause(250); // several poll intervals: head T+3 is queued
    await mine(client(), 2);
    await pause(250); // head T+5 is queued
    const oldHashes = await Promise.all([1, 2, 3, 4, 5].map((i) => hashAt(start.number + i)));
    await reorg(client(), 5);
    release();

    await waitFor('new branch followed', caughtUp(h), 5_000);
    await pause(250); // the stale heads left in the queue are handled by now
    await mine(client(), 1);
    await waitFor('still following', caughtUp(h), 5_000);

    expect(h.reorgs.map((r) => r.droppedHashes)).toEqual([[oldHashes[0]]]);
    expect(h.reorgs[0]!.commonAncestor).toEqual(start);
    expect(h.blocks.slice(0, 2)).toEqual([start, { number: start.number + 1, hash: oldHashes[0] }]);
    const live = h.blocks.filter((b) => !oldHashes.includes(b.hash));
    await expectCanonicalOnce(live, start.number, start.number + 6);
    expect(h.blocks.filter((b) => oldHashes.slice(1).includes(b.hash))).toEqual([]);
    expect(h.logs.filter((l) => typeof l.msg === 'string' && l.msg.includes('failed; retrying'))).toEqual([]);
    // T+3 was re-derived from the head (its branch is gone); T+5 was at our tip's height by then.
    expect(h.logs.filter((l) => l.msg === 'block reorged out while processing; re-reading the head').map((l) => l.block)).toEqual([start.number + 3]);
    expect(h.logs.filter((l) => l.msg === 'ignoring a stale head (no longer canonical)').map((l) => l.hash)).toEqual([oldHashes[4]]);
    expect(await h.checkpoint.get()).toEqual(await head());
    await h.follower.stop();
  });

  it('drops a queued head above a chain that got shorter (anvil_rollback), and keeps following', async () => {
    const { h, start, release } = await followHoldingNextBlock();
    await mine(client(), 3);
    await pause(250); // head T+4 is queued
    const gone = await Promise.all([2, 3, 4].map((i) => hashAt(start.number + i)));
    await rollback(client(), 3); // T+2..T+4 no longer exist; T+1 (held) still does
    release();
    await pause(250);
    await mine(client(), 3); // past the stale head's height
    await waitFor('still following', caughtUp(h), 5_000);
    expect(h.reorgs).toEqual([]);
    expect(h.blocks.filter((b) => gone.includes(b.hash))).toEqual([]);
    await expectCanonicalOnce(h.blocks, start.number, start.number + 4);
    expect(h.logs.filter((l) => typeof l.msg === 'string' && l.msg.includes('failed; retrying'))).toEqual([]);
  });
});

describe('chain follower reorgs over WebSocket newHeads', () => {
  it('handles a reorg followed by more blocks (gap plus reorg) delivered as one head', async () => {
    const chain = env.chainConfig({ rpc: { http: [env.anvil.url], ws: [env.anvil.wsUrl] }, blockTime: 1 });
    const h = env.follow({ chain });
    await h.follower.start();
    await waitFor('socket up', () => h.follower.headMode() === 'ws');
    await mine(client(), 3);
    await waitFor('catch up', caughtUp(h));
    const oldTail = h.blocks.slice(-2);
    await reorg(client(), 2);
    await mine(client(), 2);
    await waitFor('reorg handled', caughtUp(h));
    expect(h.reorgs.map((r) => r.droppedHashes)).toEqual([oldTail.map((b) => b.hash)]);
    const live = h.blocks.filter((b) => !oldTail.includes(b));
    await expectCanonicalOnce(live, h.blocks[0]!.number, (await head()).number);
    await h.follower.stop();
  });
});
