/**
 * The follower against a real anvil (automine; blocks made with anvil_mine / anvil_reorg) and a
 * real redis-server: gap fill, reorgs live and while stopped, restarts, catch-up limit, retries,
 * and both head paths (HTTP polling and WebSocket newHeads, with the socket cut).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Hex } from 'viem';
import { startAnvil, startRedisServer, type Anvil, type ManagedProcess } from '../../src/drill/processes.js';
import type { ChainConfig } from '../../src/config/schema.js';
import { createChainClients } from '../../src/chain/clients.js';
import { createCheckpointStore } from '../../src/chain/checkpoint.js';
import { createChainFollower, type ChainFollower, type FollowedBlock, type ReorgEvent } from '../../src/chain/follower.js';
import { startCountingProxy, type CountingProxy } from '../harness/counting-proxy.js';
import { mine, reorg, rpc } from './evm.js';

let anvil: Anvil;
let redisServer: ManagedProcess;
let redis: Redis;
let proxy: CountingProxy;
let prefixCounter = 0;
const running: ChainFollower[] = [];

beforeAll(async () => {
  [anvil, redisServer] = await Promise.all([startAnvil(), startRedisServer()]);
  redis = new Redis(redisServer.url);
  proxy = await startCountingProxy({ target: anvil.url });
});
afterAll(async () => {
  await Promise.all(running.map((f) => f.stop()));
  await proxy?.stop();
  redis?.disconnect();
  await Promise.all([anvil?.stop(), redisServer?.stop()]);
});

function chainConfig(overrides: Partial<ChainConfig> = {}): ChainConfig {
  return { id: 31337, name: 'anvil', rpc: { http: [anvil.url], ws: [] }, blockTime: 0.2, finalityDepth: 16, maxCatchUpBlocks: 1000, rpcTimeout: 2, ...overrides };
}

interface Harness {
  follower: ChainFollower;
  blocks: { number: number; hash: Hex }[];
  reorgs: ReorgEvent[];
  logs: Record<string, unknown>[];
  checkpoint: ReturnType<typeof createCheckpointStore>;
}

function follow(params: { keyPrefix: string; chain?: ChainConfig; onBlock?: (b: FollowedBlock) => Promise<void>; into?: Harness }): Harness {
  const chain = params.chain ?? chainConfig();
  const logs: Record<string, unknown>[] = params.into?.logs ?? [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const checkpoint = createCheckpointStore({ redis, keyPrefix: params.keyPrefix, chainId: chain.id });
  const blocks = params.into?.blocks ?? [];
  const reorgs = params.into?.reorgs ?? [];
  const follower = createChainFollower({
    chain,
    clients: createChainClients({ chain }),
    checkpoint,
    log,
    pollIntervalMs: 40,
    retryBaseMs: 20,
    onBlock: async (block) => {
      await params.onBlock?.(block);
      blocks.push({ number: block.header.number, hash: block.header.hash });
    },
    onReorg: async (event) => void reorgs.push(event),
  });
  running.push(follower);
  return { follower, blocks, reorgs, logs, checkpoint };
}

const newPrefix = () => `t${++prefixCounter}`;
const client = () => rpc(anvil.url);

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function head() {
  const block = await client().getBlock({ blockTag: 'latest' });
  return { number: Number(block.number), hash: block.hash! };
}

const caughtUp = (h: Harness) => async () => {
  const latest = await head();
  return h.follower.tip()?.hash === latest.hash;
};

/** Every recorded block that is still canonical appears once; all canonical blocks in [from, to] are there. */
async function expectCanonicalOnce(blocks: { number: number; hash: Hex }[], from: number, to: number) {
  for (let n = from; n <= to; n++) {
    const canonical = (await client().getBlock({ blockNumber: BigInt(n) })).hash;
    expect(blocks.filter((b) => b.hash === canonical), `block ${n}`).toHaveLength(1);
  }
  expect(blocks.filter((b) => b.number < from || b.number > to)).toEqual([]);
}

describe('chain follower over HTTP polling', () => {
  it('starts at the head without a checkpoint, then fills a gap of several blocks in order', async () => {
    await mine(client(), 3);
    const start = await head();
    const h = follow({ keyPrefix: newPrefix(), chain: chainConfig({ rpc: { http: [proxy.url], ws: [] } }) });
    await h.follower.start();
    expect(h.blocks).toEqual([start]);
    proxy.reset();
    await mine(client(), 6); // one head, six blocks
    await waitFor('catch up', caughtUp(h));
    expect(h.blocks.map((b) => b.number)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => start.number + i));
    await expectCanonicalOnce(h.blocks, start.number, start.number + 6);
    expect(await h.checkpoint.get()).toEqual(await head());
    expect(h.reorgs).toEqual([]);
    // Missing blocks are fetched by number (each checked to link to the previous), not walked back by hash.
    expect(proxy.counts()['eth_getBlockByHash'] ?? 0).toBe(0);
    await h.follower.stop();
  });

  it('on anvil_reorg: names exactly the dropped hashes, processes the new branch, checkpoints the new tip', async () => {
    const h = follow({ keyPrefix: newPrefix() });
    await h.follower.start();
    await mine(client(), 5);
    await waitFor('catch up', caughtUp(h));
    const before = await head();
    const oldTail = h.blocks.slice(-3);
    await reorg(client(), 3);
    await waitFor('reorg handled', caughtUp(h));
    expect(h.reorgs).toHaveLength(1);
    expect(h.reorgs[0]!.droppedHashes).toEqual(oldTail.map((b) => b.hash));
    const ancestor = await client().getBlock({ blockNumber: BigInt(before.number - 3) });
    expect(h.reorgs[0]!.commonAncestor).toEqual({ number: before.number - 3, hash: ancestor.hash });
    const newTail = h.blocks.slice(-3);
    expect(newTail.map((b) => b.number)).toEqual(oldTail.map((b) => b.number));
    await expectCanonicalOnce(h.blocks.filter((b) => !oldTail.includes(b)), h.blocks[0]!.number, before.number);
    expect(await h.checkpoint.get()).toEqual(await head());
    await h.follower.stop();
  });

  it('after a restart processes every block mined while stopped exactly once', async () => {
    const keyPrefix = newPrefix();
    const first = follow({ keyPrefix });
    await first.follower.start();
    const startNumber = first.blocks[0]!.number;
    await mine(client(), 3);
    await waitFor('catch up', caughtUp(first));
    await first.follower.stop();
    await mine(client(), 4);
    const second = follow({ keyPrefix, into: first });
    await second.follower.start(); // resolves once caught up
    expect(second.follower.tip()).toEqual(await head());
    await mine(client(), 1);
    await waitFor('next block', caughtUp(second));
    await expectCanonicalOnce(first.blocks, startNumber, (await head()).number);
    expect(first.reorgs).toEqual([]);
    await second.follower.stop();
  });

  it('after a reorg while stopped, reports the dropped blocks and resumes on the new branch', async () => {
    const keyPrefix = newPrefix();
    const first = follow({ keyPrefix });
    await first.follower.start();
    await mine(client(), 4);
    await waitFor('catch up', caughtUp(first));
    await first.follower.stop();
    const dropped = first.blocks.slice(-2).map((b) => b.hash);
    await reorg(client(), 2);
    await mine(client(), 1);
    const second = follow({ keyPrefix, into: first });
    await second.follower.start();
    expect(first.reorgs).toHaveLength(1);
    expect(first.reorgs[0]!.droppedHashes).toEqual(dropped);
    const live = first.blocks.filter((b) => !dropped.includes(b.hash));
    await expectCanonicalOnce(live, first.blocks[0]!.number, (await head()).number);
    expect(await second.checkpoint.get()).toEqual(await head());
    await second.follower.stop();
  });

  it('skips beyond maxCatchUpBlocks with a loud error naming the range', async () => {
    const keyPrefix = newPrefix();
    const chain = chainConfig({ maxCatchUpBlocks: 3 });
    const first = follow({ keyPrefix, chain });
    await first.follower.start();
    await first.follower.stop();
    const checkpointNumber = first.blocks[0]!.number;
    await mine(client(), 10);
    const second = follow({ keyPrefix, chain, into: first });
    await second.follower.start();
    const top = (await head()).number;
    expect(first.blocks.map((b) => b.number)).toEqual([checkpointNumber, top - 2, top - 1, top]);
    const loud = first.logs.find((l) => l.level === 50 && l.skippedFrom !== undefined);
    expect(loud).toMatchObject({ skippedFrom: checkpointNumber + 1, skippedTo: top - 3, chain: 'anvil' });
    await second.follower.stop();
  });

  it('retries a block whose onBlock throws, never skips it, and checkpoints only after success', async () => {
    const keyPrefix = newPrefix();
    let failuresLeft = 2;
    let failedAt: number | undefined;
    const checkpoints: (number | undefined)[] = [];
    const h = follow({
      keyPrefix,
      onBlock: async (block) => {
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
    const h = follow({
      keyPrefix: newPrefix(),
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
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect((await h.checkpoint.get())?.number).toBe(inProgress);
    expect(h.blocks.at(-1)?.number).toBe(inProgress);
  });
});

describe('chain follower over WebSocket newHeads', () => {
  it('follows heads over the socket without polling, falls back to polling when it drops, and reconnects', async () => {
    const chain = chainConfig({ rpc: { http: [proxy.url], ws: [proxy.wsUrl] }, blockTime: 1 });
    const h = follow({ keyPrefix: newPrefix(), chain });
    await h.follower.start();
    await waitFor('socket up', () => h.follower.headMode() === 'ws');
    await new Promise((r) => setTimeout(r, 100));
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

  it('handles a reorg followed by more blocks (gap plus reorg) delivered as one head', async () => {
    const chain = chainConfig({ rpc: { http: [anvil.url], ws: [anvil.wsUrl] }, blockTime: 1 });
    const h = follow({ keyPrefix: newPrefix(), chain });
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
