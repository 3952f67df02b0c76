/** RPC failover (errors and timeouts), the checkpoint store and detector state on a real redis-server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { Redis } from 'ioredis';
import { startAnvil, startRedisServer, freePort, type Anvil, type ManagedProcess } from '../../src/drill/processes.js';
import type { ChainConfig } from '../../src/config/schema.js';
import { createChainClients } from '../../src/chain/clients.js';
import { createCheckpointStore } from '../../src/chain/checkpoint.js';
import { createRedisDetectorState } from '../../src/chain/detector-state.js';
import { startCountingProxy, type CountingProxy } from '../harness/counting-proxy.js';

let anvil: Anvil;
let redisServer: ManagedProcess;
let redis: Redis;
let dead: CountingProxy;
let hanging: Server;
let hangingUrl: string;

beforeAll(async () => {
  [anvil, redisServer] = await Promise.all([startAnvil(), startRedisServer()]);
  redis = new Redis(redisServer.url);
  dead = await startCountingProxy({ target: anvil.url });
  dead.down = true;
  const port = await freePort();
  hanging = createServer(() => {}); // accepts, never answers
  await new Promise<void>((r) => hanging.listen(port, '127.0.0.1', r));
  hangingUrl = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  hanging?.closeAllConnections();
  hanging?.close();
  await dead?.stop();
  redis?.disconnect();
  await Promise.all([anvil?.stop(), redisServer?.stop()]);
});

const chain = (http: string[], rpcTimeout = 5): ChainConfig => ({
  id: 31337, name: 'anvil', rpc: { http, ws: [] }, blockTime: 1, finalityDepth: 8, maxCatchUpBlocks: 10, rpcTimeout,
});

describe('createChainClients', () => {
  it('fails over from an endpoint answering errors and from one that times out', async () => {
    const clients = createChainClients({ chain: chain([dead.url, hangingUrl, anvil.url], 0.3) });
    const started = Date.now();
    expect(await clients.http.getChainId()).toBe(31337);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(dead.counts()['eth_chainId']).toBeGreaterThanOrEqual(1);
    expect(clients.rpcCalls()['eth_chainId']).toBe(3); // dead, hanging, anvil
    expect(clients.wsUrl).toBeUndefined();
  });

  it('throws after retries when every endpoint fails', async () => {
    const clients = createChainClients({ chain: chain([dead.url]), retryCount: 1, retryDelayMs: 10 });
    await expect(clients.http.getBlockNumber()).rejects.toThrow();
    expect(clients.rpcCalls()['eth_blockNumber']).toBe(2);
  });
});

describe('checkpoint store', () => {
  it('round-trips the checkpoint and remembers recent blocks, newest first, bounded', async () => {
    const store = createCheckpointStore({ redis, keyPrefix: 'cp', chainId: 5, retain: 3 });
    expect(await store.get()).toBeUndefined();
    expect(await store.recent()).toEqual([]);
    const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as const;
    for (let n = 10; n <= 14; n++) await store.set({ number: n, hash: hash(n) });
    expect(await store.get()).toEqual({ number: 14, hash: hash(14) });
    expect(await redis.get('cp:chain:5:checkpoint')).toBe(JSON.stringify({ number: 14, hash: hash(14) }));
    expect(await store.recent()).toEqual([14, 13, 12].map((n) => ({ number: n, hash: hash(n) })));
    // A lagging replica (or a late spool replay) does not move the shared checkpoint back…
    await store.set({ number: 12, hash: hash(12) });
    expect(await store.get()).toEqual({ number: 14, hash: hash(14) });
    // …a reorg back to an ancestor does: blocks above it are no longer "recent processed".
    await store.set({ number: 12, hash: hash(12) }, { rewind: true });
    expect(await store.get()).toEqual({ number: 12, hash: hash(12) });
    expect((await store.recent()).map((b) => b.number)).toEqual([12]);
    await store.set({ number: 13, hash: hash(99) });
    expect(await store.recent()).toEqual([{ number: 13, hash: hash(99) }, { number: 12, hash: hash(12) }]);
  });
});

describe('detector state', () => {
  it('stores JSON (bigints as strings), namespaced, with an optional TTL', async () => {
    const a = createRedisDetectorState({ redis, keyPrefix: 'ds', chainId: 1, detectorId: 'a' });
    const b = createRedisDetectorState({ redis, keyPrefix: 'ds', chainId: 1, detectorId: 'b' });
    await a.set('window', { values: [1n, 2n], at: 3 });
    expect(await a.get('window')).toEqual({ values: ['1', '2'], at: 3 });
    expect(await b.get('window')).toBeUndefined();
    await a.set('short', true, { ttlSeconds: 30 });
    const ttl = await redis.ttl('ds:chain:1:detector:a:short');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30);
    await a.delete('window');
    expect(await a.get('window')).toBeUndefined();
  });
});
