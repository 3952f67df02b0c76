/**
 * The follower live, without reorgs (see follower-reorg.test.ts and follower-restart.test.ts):
 * gap fill, retries, stop(), and both head paths (HTTP polling and WebSocket newHeads, with the
 * socket cut). Real anvil and redis-server (follower-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import type { FollowedBlock } from '../../src/chain/follower.js';
import { mine } from './evm.js';
import { pause, useFollowerEnv, waitFor } from './follower-harness.js';

const env = useFollowerEnv();
const { client, head, caughtUp, expectCanonicalOnce } = env;

describe('chain follower over HTTP polling', () => {
  it('starts at the head without a checkpoint, then fills a gap of several blocks in order', async () => {
    await mine(client(), 3);
    const start = await head();
    const h = env.follow({ chain: env.chainConfig({ rpc: { http: [env.proxy.url], ws: [] } }) });
    await h.follower.start();
    expect(h.blocks).toEqual([start]);
    env.proxy.reset();
    await mine(client(), 6); // one head, six blocks
    await waitFor('catch up', caughtUp(h));
    expect(h.blocks.map((b) => b.number)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => start.number + i));
    await expectCanonicalOnce(h.blocks, start.number, start.number + 6);
    expect(await h.checkpoint.get()).toEqual(await head());
    expect(h.reorgs).toEqual([]);
    // Missing blocks are fetched by number (each checked to link to the previous), not walked back by hash.
    expect(env.proxy.counts()['eth_getBlockByHash'] ?? 0).toBe(0);
    await h.follower.stop();
  });

  it('retries a block whose onBlock throws, never skips it, and checkpoints only after success', async () => {
    let failuresLeft = 2;
    let failedAt: number | undefined;
    const checkpoints: (number | undefined)[] = [];
    const h = env.follow({
      onBlock: async (block: FollowedBlock) => {
        if (failedAt === undefined && h?.blocks.length > 0) failedAt = block.header.number;
        if (block.header.number === failedAt && failuresLeft > 0) {
          failuresLeft--;
          checkpoints.push((await h.checkpoint.get())?.number);
          throw new Error('queue unavailable');
        }
      },
    });
    await h.follower.start();
    await mine(client(), 3);
    await waitFor('catch up', caughtUp(h));
    expect(failuresLeft).toBe(0);
    expect(checkpoints).toEqual([failedAt! - 1, failedAt! - 1]);
    await expectCanonicalOnce(h.blocks, h.blocks[0]!.number, (await head()).number);
    expect(h.logs.filter((l) => l.msg === 'onBlock failed; retrying' && l.block === failedAt)).toHaveLength(2);
    await h.follower.stop();
  });
});

describe('chain follower stop()', () => {
  it('waits for the block in progress and checkpoints it', async () => {
    let release!: () => void;
    let inProgress: number | undefined;
    const h = env.follow({
      onBlock: async (block) => {
        if (h?.blocks.length > 0) {
          inProgress = block.header.number;
          await new Promise<void>((r) => (release = r));
        }
      },
    });
    await h.follower.start();
    await mine(client(), 1);
    await waitFor('block in progress', () => inProgress !== undefined);
    let stopped = false;
    const stopping = h.follower.stop().then(() => (stopped = true));
    await pause(50);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect((await h.checkpoint.get())?.number).toBe(inProgress);
    expect(h.blocks.at(-1)?.number).toBe(inProgress);
  });
});

describe('chain follower over WebSocket newHeads', () => {
  it('follows heads over the socket without polling, falls back to polling when it drops, and reconnects', async () => {
    const { proxy } = env;
    const chain = env.chainConfig({ rpc: { http: [proxy.url], ws: [proxy.wsUrl] }, blockTime: 1 });
    const h = env.follow({ chain });
    await h.follower.start();
    await waitFor('socket up', () => h.follower.headMode() === 'ws');
    await pause(100);
    proxy.reset();
    for (let i = 0; i < 3; i++) {
      await mine(client(), 1);
      await waitFor('block over ws', caughtUp(h));
    }
    // Heads came with the header: no block fetches at all, no polling.
    expect(proxy.counts()['eth_getBlockByNumber'] ?? 0).toBe(0);
    expect(proxy.counts()['eth_getBlockByHash'] ?? 0).toBe(0);

    proxy.dropWebSockets();
    await waitFor('fallback to polling', () => h.follower.headMode() === 'poll');
    await mine(client(), 2);
    await waitFor('blocks while the socket is down', caughtUp(h));
    await waitFor('socket back', () => h.follower.headMode() === 'ws');
    await mine(client(), 1);
    await waitFor('block after reconnect', caughtUp(h));
    await expectCanonicalOnce(h.blocks, h.blocks[0]!.number, (await head()).number);
    await h.follower.stop();
  });
});
