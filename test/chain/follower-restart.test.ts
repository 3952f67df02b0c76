/**
 * The follower across restarts: blocks mined while stopped, a reorg while stopped, and the
 * catch-up limit. Real anvil and redis-server (follower-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import { mine, reorg } from './evm.js';
import { useFollowerEnv, waitFor } from './follower-harness.js';

const env = useFollowerEnv();
const { client, head, caughtUp, expectCanonicalOnce } = env;

describe('chain follower restart', () => {
  it('processes every block mined while stopped exactly once', async () => {
    const keyPrefix = env.newPrefix();
    const first = env.follow({ keyPrefix });
    await first.follower.start();
    const startNumber = first.blocks[0]!.number;
    await mine(client(), 3);
    await waitFor('catch up', caughtUp(first));
    await first.follower.stop();
    await mine(client(), 4);
    const second = env.follow({ keyPrefix, into: first });
    await second.follower.start(); // resolves once caught up
    expect(second.follower.tip()).toEqual(await head());
    await mine(client(), 1);
    await waitFor('next block', caughtUp(second));
    await expectCanonicalOnce(first.blocks, startNumber, (await head()).number);
    expect(first.reorgs).toEqual([]);
    await second.follower.stop();
  });

  it('after a reorg while stopped, reports the dropped blocks and resumes on the new branch', async () => {
    const keyPrefix = env.newPrefix();
    const first = env.follow({ keyPrefix });
    await first.follower.start();
    await mine(client(), 4);
    await waitFor('catch up', caughtUp(first));
    await first.follower.stop();
    const dropped = first.blocks.slice(-2).map((b) => b.hash);
    await reorg(client(), 2);
    await mine(client(), 1);
    const second = env.follow({ keyPrefix, into: first });
    await second.follower.start();
    expect(first.reorgs).toHaveLength(1);
    expect(first.reorgs[0]!.droppedHashes).toEqual(dropped);
    const live = first.blocks.filter((b) => !dropped.includes(b.hash));
    await expectCanonicalOnce(live, first.blocks[0]!.number, (await head()).number);
    expect(await second.checkpoint.get()).toEqual(await head());
    await second.follower.stop();
  });

  it('skips beyond maxCatchUpBlocks with a loud error naming the range', async () => {
    const keyPrefix = env.newPrefix();
    const chain = env.chainConfig({ maxCatchUpBlocks: 3 });
    const first = env.follow({ keyPrefix, chain });
    await first.follower.start();
    await first.follower.stop();
    const checkpointNumber = first.blocks[0]!.number;
    await mine(client(), 10);
    const second = env.follow({ keyPrefix, chain, into: first });
    await second.follower.start();
    const top = (await head()).number;
    expect(first.blocks.map((b) => b.number)).toEqual([checkpointNumber, top - 2, top - 1, top]);
    const loud = first.logs.find((l) => l.level === 50 && l.skippedFrom !== undefined);
    expect(loud).toMatchObject({ skippedFrom: checkpointNumber + 1, skippedTo: top - 3, chain: 'anvil' });
    await second.follower.stop();
  });
});
