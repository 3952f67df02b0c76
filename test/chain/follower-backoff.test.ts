/**
 * The follower's retry backoff during a long gap fill (found by the RPC answer fuzz): a real anvil
 * behind the seeded fault proxy failing some block reads while the follower catches up 60 blocks. A
 * failure that comes after blocks were processed is a new trouble, not the same one again: its retry
 * waits the base delay, instead of doubling on from every earlier failure of the catch-up (which
 * reached seconds and delayed detection by several blocks).
 */
import { describe, expect, it } from 'vitest';
import { createChainClients } from '../../src/chain/clients.js';
import { startFaultProxy } from '../harness/fault-proxy.js';
import { mine, rpc } from './evm.js';
import { useFollowerEnv, waitFor } from './follower-harness.js';

const env = useFollowerEnv();
const retryBaseMs = 2;

describe('follower retry backoff', () => {
  it('starts the backoff over when blocks were processed since the last failure', async () => {
    const proxy = await startFaultProxy({ target: env.anvil.url, seed: 53 });
    const chain = env.chainConfig({ rpc: { http: [proxy.url], ws: [] }, rpcTimeout: 1 });
    const keyPrefix = env.newPrefix();
    try {
      const first = env.follow({ chain, keyPrefix });
      await first.follower.start();
      await first.follower.stop();
      const from = (await env.head()).number;
      await mine(rpc(env.anvil.url), 60);
      const to = (await env.head()).number;

      // Every failed read surfaces (no retries inside the transport): the follower's own loop retries it.
      proxy.faults = { rpcErrorRate: 0.15, methods: ['eth_getBlockByNumber'] };
      const clients = createChainClients({ chain, retryCount: 0 });
      const h = env.follow({ chain, keyPrefix, extra: { clients, retryBaseMs } });
      await h.follower.start();
      await waitFor('the catch-up', env.caughtUp(h), 60_000);
      await h.follower.stop();
      await clients.close();

      await env.expectCanonicalOnce(h.blocks, from + 1, to);
      // Walk the log: a failure after a 'block processed' line (since the previous failure) retries after the base delay.
      let progressed = false;
      const afterProgress: unknown[] = [];
      let failures = 0;
      for (const line of h.logs) {
        if (line.msg === 'block processed') progressed = true;
        if (line.msg !== 'following head failed; retrying') continue;
        failures++;
        if (progressed) afterProgress.push(line.retryInMs);
        progressed = false;
      }
      expect(failures).toBeGreaterThanOrEqual(3);
      expect(afterProgress.length).toBeGreaterThanOrEqual(2);
      expect(afterProgress).toEqual(afterProgress.map(() => retryBaseMs));
    } finally {
      await proxy.stop();
    }
  }, 90_000);
});
