/**
 * RPC failover with several endpoints: fault-injecting proxies (seeded) in front of the same anvil act
 * as different providers. An endpoint that is down or errs, or whose head lags, is taken out of
 * rotation while the follower goes on through the others — every canonical block processed once, no
 * reorg imagined — and comes back once healthy. A head that stops moving raises one liveness stall
 * and one recovery.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Anomaly } from '../../detectors/types.js';
import { startRedisServer, type ManagedProcess } from '../../src/drill/processes.js';
import { createIncidentStore } from '../../src/incidents/store.js';
import { createLivenessMonitor } from '../../src/liveness/monitor.js';
import { anomalySubject } from '../../src/plan/match.js';
import { createChainClients, type ChainClients } from '../../src/chain/clients.js';
import type { LivenessEvent } from '../../src/chain/follower.js';
import type { ChainConfig } from '../../src/config/schema.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { mine, rpc } from './evm.js';
import { pause, useFollowerEnv, waitFor, type Harness } from './follower-harness.js';

const env = useFollowerEnv();
let running: { proxies: FaultProxy[]; clients?: ChainClients; h?: Harness } | undefined;

afterEach(async () => {
  await running?.h?.follower.stop();
  await running?.clients?.close();
  await Promise.all(running?.proxies.map((proxy) => proxy.stop()) ?? []);
  running = undefined;
});

async function proxies(seed: number, count: number): Promise<FaultProxy[]> {
  const started = await Promise.all(Array.from({ length: count }, (_, i) => startFaultProxy({ target: env.anvil.url, seed: seed + i })));
  running = { proxies: started };
  return started;
}

/** A follower over `chain` whose clients (and their endpoint health) the test can see. */
function follow(chain: ChainConfig, options: { cooldownMs?: number; onLiveness?: (event: LivenessEvent) => void } = {}) {
  const logs: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const clients = createChainClients({ chain, log, sampleIntervalMs: 150, cooldownMs: options.cooldownMs ?? 1_000, retryDelayMs: 20 });
  const h = env.follow({ chain, extra: { clients, onLiveness: options.onLiveness } });
  running!.clients = clients;
  running!.h = h;
  // The clients log endpoint health; the follower (and its head source) log into h.logs.
  return { h, clients, logs: () => [...logs, ...h.logs] };
}

async function mineSlowly(blocks: number): Promise<void> {
  for (let i = 0; i < blocks; i++) {
    await mine(rpc(env.anvil.url), 1);
    await pause(30);
  }
}

/** Every canonical block above `from` processed exactly once, in order, nothing else; no reorg reported. */
async function expectEveryBlockOnce(h: Harness, from: number): Promise<void> {
  await waitFor('the follower to catch up', env.caughtUp(h), 60_000);
  const last = (await env.head()).number;
  const after = h.blocks.filter((block) => block.number > from);
  await env.expectCanonicalOnce(after, from + 1, last);
  expect(after.map((block) => block.number)).toEqual(Array.from({ length: last - from }, (_, i) => from + 1 + i));
  expect(h.reorgs).toEqual([]);
}

const blockMethods = (proxy: FaultProxy) =>
  Object.entries(proxy.counts())
    .filter(([method]) => method !== 'eth_blockNumber')
    .reduce((sum, [, n]) => sum + n, 0);

const status = (clients: ChainClients, index: number) => clients.endpoints.status()[index]!;

describe('RPC failover across endpoints', () => {
  it('takes an endpoint that is down and one that errs out of rotation, keeps following on the third, and takes them back when healthy', async () => {
    const [down, erring, healthy] = await proxies(31, 3);
    const chain = env.chainConfig({ rpc: { http: [down!.url, erring!.url, healthy!.url], ws: [down!.wsUrl, healthy!.wsUrl] }, rpcTimeout: 1 });
    const { h, clients, logs } = follow(chain);
    await h.follower.start();
    const first = h.follower.tip()!.number;
    await mineSlowly(3);

    down!.down = true;
    down!.dropWebSockets();
    erring!.faults = { rpcErrorRate: 1 };
    await mineSlowly(30);
    await expectEveryBlockOnce(h, first);
    const ejected = logs().filter((line) => line.msg === 'RPC endpoint failed: out of rotation for a cool-down').map((line) => line.endpoint);
    expect(ejected).toEqual(expect.arrayContaining(['0:127.0.0.1', '1:127.0.0.1']));
    expect(ejected).not.toContain('2:127.0.0.1');
    expect(status(clients, 2).inRotation).toBe(true);

    down!.down = false;
    erring!.faults = {};
    await waitFor('both endpoints back in rotation', () => clients.endpoints.status().every((endpoint) => endpoint.inRotation), 60_000);
    // Back in use: with the other two gone, it carries the chain alone.
    const before = blockMethods(down!);
    erring!.down = true;
    healthy!.down = true;
    healthy!.dropWebSockets();
    await mineSlowly(5);
    await expectEveryBlockOnce(h, first);
    expect(blockMethods(down!)).toBeGreaterThan(before);
  }, 180_000);

  it('takes a lagging endpoint (lagBlocks 10) out of rotation for heads and blocks, sees no reorg, and takes it back once caught up', async () => {
    const [lagging, good] = await proxies(47, 2);
    lagging!.faults = { lagBlocks: 10 };
    await mine(rpc(env.anvil.url), 12); // so the lagging endpoint's head is above 0
    const chain = env.chainConfig({ rpc: { http: [lagging!.url, good!.url], ws: [lagging!.wsUrl, good!.wsUrl] }, rpcTimeout: 1, stallTimeout: 2 });
    const { h, clients } = follow(chain, { cooldownMs: 60_000 });
    await h.follower.start();
    const first = h.follower.tip()!.number;
    await mineSlowly(3);
    await waitFor('the lagging endpoint out of rotation', () => status(clients, 0).reason === 'lag', 30_000);
    expect(status(clients, 0).lag).toBeGreaterThan(chain.maxEndpointLag ?? 5);
    await mineSlowly(12);
    await waitFor('heads over the good socket', () => (good!.counts()['ws:eth_subscribe'] ?? 0) > 0 && h.follower.headMode() === 'ws', 60_000);

    // From now on the lagging endpoint serves nothing but the background head samples.
    const used = blockMethods(lagging!);
    await mineSlowly(20);
    await expectEveryBlockOnce(h, first);
    expect(blockMethods(lagging!)).toBe(used);
    expect(lagging!.counts()['eth_blockNumber']).toBeGreaterThan(0);

    // Caught up: back in rotation, and it carries the chain alone when the other endpoint goes down.
    lagging!.faults = {};
    await waitFor('the endpoint back in rotation', () => status(clients, 0).inRotation, 30_000);
    good!.down = true;
    good!.dropWebSockets();
    await mineSlowly(10);
    await expectEveryBlockOnce(h, first);
    expect(blockMethods(lagging!)).toBeGreaterThan(used);
  }, 180_000);

  it('drops a single socket lagging more than finalityDepth (judged by HTTP head samples) and polls meanwhile: every block once, no reorg imagined', async () => {
    const [lagging] = await proxies(83, 1);
    lagging!.faults = { lagBlocks: 25 };
    // One HTTP endpoint, sampled as the socket's yardstick; a stall timeout too long to notice anything first.
    const chain = env.chainConfig({ rpc: { http: [env.anvil.url], ws: [lagging!.wsUrl] }, finalityDepth: 16, stallTimeout: 60 });
    const { h, logs } = follow(chain);
    await h.follower.start();
    const first = h.follower.tip()!.number;
    await mineSlowly(60);
    await expectEveryBlockOnce(h, first);
    expect(logs().some((line) => line.msg === 'WebSocket endpoint out of rotation for a cool-down' && String(line.reason).includes('behind'))).toBe(true);
    expect(h.follower.headMode()).toBe('poll'); // its only socket url cools down: polling meanwhile
  }, 180_000);

  it('switches from a socket that goes silent while blocks keep coming, without calling it a stall', async () => {
    const [silent, good] = await proxies(59, 2);
    const chain = env.chainConfig({ rpc: { http: [silent!.url, good!.url], ws: [silent!.wsUrl, good!.wsUrl] }, rpcTimeout: 1, stallTimeout: 1 });
    const events: LivenessEvent[] = [];
    const { h, logs } = follow(chain, { onLiveness: (event) => void events.push(event) });
    await h.follower.start();
    await waitFor('socket up', () => h.follower.headMode() === 'ws', 30_000);
    const first = h.follower.tip()!.number;
    silent!.faults = { silentHeads: true };
    await waitFor('the silent socket dropped', async () => {
      await mineSlowly(1);
      return logs().some((line) => line.msg === 'WebSocket endpoint out of rotation for a cool-down');
    }, 60_000);
    await waitFor('heads over the other socket', () => (good!.counts()['ws:eth_subscribe'] ?? 0) > 0 && h.follower.headMode() === 'ws', 60_000);
    await mineSlowly(10);
    await expectEveryBlockOnce(h, first);
    expect(events).toEqual([]);
  }, 180_000);
});

describe('stalled head', () => {
  let redisServer: ManagedProcess;
  let redis: Redis;
  beforeAll(async () => {
    redisServer = await startRedisServer();
    redis = new Redis(redisServer.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await redisServer?.stop();
  });

  it('raises one liveness stall when no endpoint sees a new block, and one recovery when blocks flow again', async () => {
    const [a, b] = await proxies(71, 2);
    const chain = env.chainConfig({ rpc: { http: [a!.url, b!.url], ws: [a!.wsUrl] }, rpcTimeout: 1, stallTimeout: 1, stallSeverity: 'critical' });
    // What the daemon wires: the monitor raises through the plan, whose record step opens the incident.
    const incidents = createIncidentStore({ redis, keyPrefix: 'live' });
    const raised: Anomaly[] = [];
    const record = async (anomaly: Anomaly) => {
      raised.push(anomaly);
      const subject = anomalySubject({ config: { detectors: [] }, contracts: new Map(), anomaly });
      await incidents.openOrJoin({ anomaly, ...subject, windowSeconds: 600 });
    };
    const quiet = pino({ level: 'silent' });
    const monitor = createLivenessMonitor({ chain, incidents, log: quiet, raise: record, retryMs: 50 });
    // A second replica stalled at the same block raises the same anomaly: the incident takes it once.
    const replica = createLivenessMonitor({ chain, incidents, log: quiet, raise: record, retryMs: 50 });
    const events: LivenessEvent[] = [];
    const { h, logs } = follow(chain, {
      onLiveness(event) {
        events.push(event);
        monitor.onEvent(event);
        replica.onEvent(event);
      },
    });
    await h.follower.start();
    const first = h.follower.tip()!.number;
    await mineSlowly(3);
    await waitFor('caught up', env.caughtUp(h), 30_000);
    const lastBefore = h.follower.tip()!;

    // anvil stops mining: nothing new from any endpoint.
    await waitFor('a liveness stall', () => events.length > 0, 30_000);
    expect(events[0]).toMatchObject({ type: 'stalled', chainId: chain.id, tip: lastBefore, head: lastBefore.number });
    expect(logs().some((line) => line.msg === 'head stalled: no new block from any endpoint; switching endpoints and polling')).toBe(true);
    await pause(3_000); // three more stall periods: still one stall
    expect(events.map((event) => event.type)).toEqual(['stalled']);

    await mineSlowly(5);
    await waitFor('the recovery', () => events.length > 1, 30_000);
    await expectEveryBlockOnce(h, first);
    expect(events.map((event) => event.type)).toEqual(['stalled', 'recovered']);
    expect(events[1]!.head).toBeGreaterThan(lastBefore.number);

    await Promise.all([monitor.stop(), replica.stop()]);
    expect(raised.map((anomaly) => anomaly.id)).toEqual([raised[0]!.id, raised[0]!.id]);
    expect(raised[0]).toMatchObject({ kind: 'liveness', detectorId: 'liveness', mode: 'observe', severity: 'critical', blockNumber: lastBefore.number, blockHash: lastBefore.hash });
    const incident = (await incidents.get((await incidents.incidentForAnomaly(raised[0]!.id))!))!;
    expect(incident).toMatchObject({ protocol: 'warden-liveness', anomalyIds: [raised[0]!.id] });
    expect(incident.timeline.filter((entry) => entry.type === 'liveness-recovered')).toHaveLength(1);
  }, 120_000);
});
