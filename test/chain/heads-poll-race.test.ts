/**
 * A head read by a poll that ends after polling stopped (the socket came back meanwhile) is not lost
 * (found by the RPC answer fuzz, where the chain stopped right after such a switch): a real anvil
 * behind the fault proxy, whose block reads take 800 ms, so the poll started when the socket dropped
 * is still in flight when the socket is back. Its block must be followed at once — not only when the
 * next block comes (none does here), and without a false stall.
 */
import { describe, expect, it } from 'vitest';
import type { LivenessEvent } from '../../src/chain/follower.js';
import { startFaultProxy } from '../harness/fault-proxy.js';
import { mine, rpc } from './evm.js';
import { useFollowerEnv, waitFor } from './follower-harness.js';

const env = useFollowerEnv();

describe('heads across a socket switch', () => {
  it('follows the block a poll read after the socket came back, with no new block after it', async () => {
    const proxy = await startFaultProxy({ target: env.anvil.url, seed: 71 });
    const chain = env.chainConfig({ rpc: { http: [proxy.url], ws: [proxy.wsUrl] }, rpcTimeout: 5 });
    const liveness: LivenessEvent[] = [];
    const h = env.follow({ chain, extra: { onLiveness: (event) => void liveness.push(event) } });
    try {
      await h.follower.start();
      await waitFor('heads over the socket', () => h.follower.headMode() === 'ws');
      await mine(rpc(env.anvil.url), 1);
      await waitFor('the follower to catch up', env.caughtUp(h));

      // The socket drops: polling starts at once, its read takes 800 ms; the socket is back after 500 ms.
      proxy.faults = { latencyMs: [800, 800], methods: ['eth_getBlockByNumber'] };
      proxy.dropWebSockets();
      await mine(rpc(env.anvil.url), 1); // only a poll can tell of this block: the new socket subscribes after it
      await waitFor('the socket to be back', () => h.follower.headMode() === 'ws');
      await waitFor('the follower to follow the last block', env.caughtUp(h), 15_000);
      expect(liveness).toEqual([]);
    } finally {
      await h.follower.stop();
      await proxy.stop();
    }
  }, 60_000);
});
