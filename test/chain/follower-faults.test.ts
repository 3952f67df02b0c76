/**
 * The follower against a faulty provider: a real anvil behind the fault-injecting proxy (seeded) —
 * JSON-RPC errors, 429/503, latency, timeouts, malformed answers, dropped and reordered WebSocket
 * heads. Whatever the faults, once they stop every canonical block has been processed exactly once,
 * nothing else was, and the checkpoint is the last processed block (never past unprocessed data).
 */
import { describe, expect, it } from 'vitest';
import { rpc, mine } from './evm.js';
import { pause, useFollowerEnv, waitFor, type Harness } from './follower-harness.js';
import { startFaultProxy, type FaultOptions } from '../harness/fault-proxy.js';

const env = useFollowerEnv();

/** Mines `blocks` blocks one by one under `faults`, then lifts them and checks what the follower did. */
async function runUnderFaults(seed: number, faults: FaultOptions, blocks: number, drops: number) {
  const proxy = await startFaultProxy({ target: env.anvil.url, seed, faults: {} });
  const chain = env.chainConfig({ rpc: { http: [proxy.url], ws: [proxy.wsUrl] }, blockTime: 0.2, rpcTimeout: 1 });
  const h: Harness = env.follow({ chain });
  try {
    await h.follower.start();
    const first = (await env.head()).number;
    proxy.faults = faults;
    for (let i = 0; i < blocks; i++) {
      await mine(rpc(env.anvil.url), 1);
      if (drops > 0 && i % Math.ceil(blocks / drops) === 0) proxy.dropWebSockets();
      await pause(30);
    }
    proxy.faults = {};
    await waitFor('the follower to catch up once the faults stop', env.caughtUp(h), 60_000);
    const last = (await env.head()).number;
    // Nothing but canonical blocks, each once (no reorgs happen here, so every block processed must be canonical).
    await env.expectCanonicalOnce(h.blocks.filter((block) => block.number > first), first + 1, last);
    expect(h.blocks.filter((block) => block.number > first).map((block) => block.number)).toEqual(Array.from({ length: last - first }, (_, i) => first + 1 + i));
    const checkpoint = await h.checkpoint.get();
    expect(checkpoint).toMatchObject({ number: last, hash: (await env.head()).hash });
    return proxy.injected();
  } finally {
    await h.follower.stop();
    await proxy.stop();
  }
}

describe('follower under provider faults', () => {
  it('processes every canonical block once through errors, 429/503, latency, timeouts and socket drops', async () => {
    // Enough blocks that each fault kind shows up whatever the timing: background head samples share the proxy's RNG.
    const injected = await runUnderFaults(11, { rpcErrorRate: 0.05, httpErrorRate: 0.05, latencyMs: [0, 40], timeoutRate: 0.02, reorderHeadsRate: 0.1 }, 150, 6);
    expect(injected.rpcError).toBeGreaterThan(0);
    expect((injected.http429 ?? 0) + (injected.http503 ?? 0)).toBeGreaterThan(0);
  }, 120_000);

  it('survives malformed answers (truncated JSON, wrong types, missing fields, huge numbers) without checkpointing past unprocessed data', async () => {
    const injected = await runUnderFaults(23, { malformedRate: 0.2 }, 40, 0);
    expect(Object.keys(injected).length).toBeGreaterThanOrEqual(3);
  }, 120_000);
});
