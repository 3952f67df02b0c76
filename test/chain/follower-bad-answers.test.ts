/**
 * The follower against answers that are well-formed JSON but wrong (found by the RPC answer fuzz,
 * test/e2e/rpc-fuzz.test.ts): a real anvil behind the seeded fault proxy, lies injected only where
 * each test says. Whatever the lies, every canonical block is processed exactly once, nothing else is,
 * and the checkpoint names only blocks of the chain.
 */
import { describe, expect, it } from 'vitest';
import type { LivenessEvent } from '../../src/chain/follower.js';
import { startFaultProxy, type FaultOptions, type FaultProxy } from '../harness/fault-proxy.js';
import { mine, rpc } from './evm.js';
import { pause, useFollowerEnv, waitFor, type Harness } from './follower-harness.js';

const env = useFollowerEnv();

/** Runs a follower through a fault proxy (HTTP and newHeads) with `faults` while `blocks` blocks are mined, then lifts them. */
async function followThrough(params: { seed: number; faults: FaultOptions; blocks: number; stallTimeout?: number }) {
  const proxy: FaultProxy = await startFaultProxy({ target: env.anvil.url, seed: params.seed });
  const chain = env.chainConfig({ rpc: { http: [proxy.url], ws: [proxy.wsUrl] }, rpcTimeout: 1, ...(params.stallTimeout ? { stallTimeout: params.stallTimeout } : {}) });
  const liveness: LivenessEvent[] = [];
  const h: Harness = env.follow({ chain, extra: { onLiveness: (event) => void liveness.push(event) } });
  const bestHeads: number[] = [];
  try {
    await h.follower.start();
    const first = (await env.head()).number;
    proxy.faults = params.faults;
    for (let i = 0; i < params.blocks; i++) {
      await mine(rpc(env.anvil.url), 1);
      await pause(100);
      bestHeads.push(h.follower.bestHead() ?? 0);
    }
    const injected = proxy.injected();
    proxy.faults = {};
    await waitFor('the follower to catch up once the lies stop', env.caughtUp(h), 60_000);
    const last = await env.head();
    bestHeads.push(h.follower.bestHead() ?? 0);
    return { h, first, last, injected, liveness, bestHeads };
  } finally {
    await h.follower.stop();
    await proxy.stop();
  }
}

/** Every canonical block after `first` processed once, in order, nothing else; the checkpoint at the head. */
async function expectEveryBlockOnce(run: Awaited<ReturnType<typeof followThrough>>): Promise<void> {
  const { h, first, last } = run;
  const after = h.blocks.filter((block) => block.number > first);
  await env.expectCanonicalOnce(after, first + 1, last.number);
  expect(after.map((block) => block.number)).toEqual(Array.from({ length: last.number - first }, (_, i) => first + 1 + i));
  expect(await h.checkpoint.get()).toMatchObject({ number: last.number, hash: last.hash });
}

describe('follower against wrong answers', () => {
  it('refuses a newHeads block number past 2^53: it never becomes the best head, and no stall is imagined', async () => {
    const run = await followThrough({ seed: 31, faults: { malformedRate: 0.3, malformedKinds: ['hugeNumber'], methods: ['none'] }, blocks: 40, stallTimeout: 2 });
    expect(run.injected['ws:hugeNumber']).toBeGreaterThan(0);
    expect(Math.max(...run.bestHeads)).toBeLessThanOrEqual(run.last.number);
    expect(run.h.follower.bestHead()).toBe(run.last.number);
    expect(run.liveness).toEqual([]);
    expect(run.h.logs.some((line) => line.msg === 'ignoring malformed newHeads payload')).toBe(true);
    await expectEveryBlockOnce(run);
  }, 90_000);

  it('follows through plausible lies (another block, another block\'s hash or parentHash) in heads and block reads: no reorg imagined, nothing processed under a false hash', async () => {
    const run = await followThrough({ seed: 41, faults: { malformedRate: 0.3, malformedKinds: ['wrongHash', 'wrongParentHash', 'otherBlock'] }, blocks: 40 });
    const lies = Object.entries(run.injected).filter(([kind]) => /wrongHash|wrongParentHash|otherBlock/.test(kind));
    expect(lies.length).toBeGreaterThanOrEqual(3);
    expect(run.h.reorgs).toEqual([]);
    await expectEveryBlockOnce(run);
  }, 90_000);
});
