/**
 * Replay against a real anvil and redis-server: the live follower + block processor run over blocks
 * with event, balance-drop and call detectors, then the same range replayed gives the same anomalies
 * (ids and all) and the same per-detector counts; a provider that refuses large log queries (a proxy
 * with limits) changes nothing but the number of windows; the window grows back after a dense stretch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { encodeFunctionData, getAddress, parseAbi, type Address, type Hex, type PublicClient } from 'viem';
import { createBalanceDropDetector } from '../../detectors/balance-drop.js';
import { createCallDetector } from '../../detectors/call.js';
import { createEventDetector } from '../../detectors/event.js';
import type { Anomaly, Detector } from '../../detectors/types.js';
import { createBlockProcessor } from '../../src/chain/block-processor.js';
import { createCheckpointStore } from '../../src/chain/checkpoint.js';
import { createChainClients } from '../../src/chain/clients.js';
import { readDetectorStats } from '../../src/chain/detector-stats.js';
import { createChainFollower } from '../../src/chain/follower.js';
import type { ResolvedContract } from '../../src/config/contracts.js';
import type { ChainConfig } from '../../src/config/schema.js';
import { startAnvil, startRedisServer, type Anvil, type ManagedProcess } from '../../src/drill/processes.js';
import { createLogWindows } from '../../src/replay/log-ranges.js';
import { replayRange, type ReplayParameters } from '../../src/replay/replay.js';
import { accounts, deploy, mine, rpc } from '../chain/evm.js';
import { waitFor } from '../chain/follower-harness.js';
import { startCountingProxy, type CountingProxy } from '../harness/counting-proxy.js';
import { deployManyLogs, emitMany, manyLogsAbi } from '../harness/many-logs.js';

let anvil: Anvil;
let redisServer: ManagedProcess;
let redis: Redis;
let proxy: CountingProxy;
let client: PublicClient;
let users: Address[];
let emitter: ResolvedContract;
let holder: ResolvedContract;
let locked: ResolvedContract;
const log = pino({ level: 'silent' });
const callAbi = parseAbi(['function setOracle(address oracle)']);

beforeAll(async () => {
  [anvil, redisServer] = await Promise.all([startAnvil(), startRedisServer()]);
  redis = new Redis(redisServer.url);
  proxy = await startCountingProxy({ target: anvil.url });
  client = rpc(anvil.url);
  users = (await accounts(client)).map((a) => getAddress(a));
  const address = await deployManyLogs(client, users[0]!);
  emitter = { name: 'emitter', chainId: 31337, address, abi: [...manyLogsAbi, ...callAbi], protocol: 'demo' };
  holder = { name: 'holder', chainId: 31337, address: users[3]!, abi: [], protocol: 'demo' };
  // Always reverts: calls to it are the failed ones.
  locked = { name: 'locked', chainId: 31337, address: await deploy(client, '0x60006000fd'), abi: callAbi, protocol: 'demo' };
});
afterAll(async () => {
  await proxy?.stop();
  redis?.disconnect();
  await Promise.all([anvil?.stop(), redisServer?.stop()]);
});

const chainConfig = (url: string): ChainConfig => ({
  id: 31337, name: 'anvil', rpc: { http: [url], ws: [] }, blockTime: 0.2, finalityDepth: 16, maxCatchUpBlocks: 1000, rpcTimeout: 5,
});

function detectors(): Detector[] {
  return [
    createEventDetector({ id: 'big-transfer', severity: 'high', chainId: 31337, contracts: [emitter], event: 'Transfer', where: 'value >= 6' }),
    createBalanceDropDetector({ id: 'holder-drop', severity: 'critical', chainId: 31337, holder, dropPercent: 5, windowBlocks: 3 }),
    createCallDetector({ id: 'oracle-calls', severity: 'critical', chainId: 31337, contracts: [emitter], functions: ['setOracle'], allow: [users[0]!] }),
    createCallDetector({ id: 'failed-oracle-calls', severity: 'medium', chainId: 31337, contracts: [locked], functions: ['setOracle'], failed: true }),
  ];
}

async function sendFrom(from: Address, to: Address, params: { data?: Hex; value?: bigint }): Promise<void> {
  const hash = (await client.request({
    method: 'eth_sendTransaction',
    params: [{ from, to, ...(params.data ? { data: params.data } : {}), ...(params.value ? { value: `0x${params.value.toString(16)}` } : {}), gas: '0x100000' }],
  } as never)) as Hex;
  await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
}

const withoutObservedAt = (anomalies: Anomaly[]) => anomalies.map(({ observedAt: _observedAt, ...rest }) => rest);

function replay(extra: Partial<ReplayParameters> & { from: number; to: number }) {
  return replayRange({
    client: createChainClients({ chain: chainConfig(proxy.url), retryCount: 0 }).http,
    chainId: 31337,
    chainName: 'anvil',
    contracts: [emitter, locked],
    detectors: detectors(),
    log,
    ...extra,
  });
}

describe('replay', () => {
  it('gives the anomalies (same ids) and per-detector counts the live follower gave for the same blocks', async () => {
    const keyPrefix = 'live';
    const chain = chainConfig(anvil.url);
    const live: Anomaly[] = [];
    const processed: number[] = [];
    const processor = createBlockProcessor({ chainId: 31337, chainName: 'anvil', client: createChainClients({ chain }).http, contracts: [emitter, locked], detectors: detectors(), redis, keyPrefix, log });
    const follower = createChainFollower({
      chain,
      clients: createChainClients({ chain }),
      checkpoint: createCheckpointStore({ redis, keyPrefix, chainId: 31337 }),
      log,
      pollIntervalMs: 40,
      retryBaseMs: 20,
      async onBlock(block) {
        live.push(...(await processor.process(block)));
        processed.push(block.header.number);
      },
      onReorg: async () => {},
    });
    await follower.start();
    const [admin, , attacker, holderAddress, receiver] = users as [Address, Address, Address, Address, Address];
    const setOracle = encodeFunctionData({ abi: callAbi, functionName: 'setOracle', args: [attacker] });
    const holderBalance = await client.getBalance({ address: holderAddress });
    for (let step = 0; step < 4; step++) {
      await emitMany(client, { from: admin, contract: emitter.address, count: 3 + step * 2 }); // values up to 2+2*step: hits from step 2
      await sendFrom(admin, emitter.address, { data: setOracle }); // allowed sender
      await mine(client, 1);
      await sendFrom(holderAddress, receiver, { value: holderBalance / 10n }); // 10% out: a drop
      await sendFrom(attacker, emitter.address, { data: setOracle }); // flagged (it reverts: the emitter reads the selector word as a huge count)
      if (step === 1) await sendFrom(attacker, locked.address, { data: setOracle }); // a reverted call
    }
    await waitFor('the follower to reach the head', async () => follower.tip()?.number === Number(await client.getBlockNumber({ cacheTime: 0 })), 30_000);
    await follower.stop();
    await processor.flushStats();

    const from = Math.min(...processed);
    const to = Math.max(...processed);
    expect(processed).toEqual(Array.from({ length: to - from + 1 }, (_, i) => from + i));
    const kinds = new Set(live.map((a) => a.detectorId));
    expect([...kinds].sort()).toEqual(['big-transfer', 'failed-oracle-calls', 'holder-drop', 'oracle-calls']);
    expect(live.filter((a) => a.detectorId === 'failed-oracle-calls')).toHaveLength(1);

    const replayed: Anomaly[] = [];
    // Small windows and batches, so several of each are crossed.
    const result = await replay({ from, to, batchBlocks: 3, logWindows: { initialSpan: 4 }, onAnomalies: (a) => void replayed.push(...a) });
    expect(replayed.map((a) => a.id)).toEqual(live.map((a) => a.id));
    expect(withoutObservedAt(replayed)).toEqual(withoutObservedAt(live));
    expect(result.anomalies).toBe(live.length);

    const liveStats = await readDetectorStats({ redis, keyPrefix, chainId: 31337 });
    for (const detector of result.detectors) {
      const expected = liveStats.get(detector.id)!;
      expect({ id: detector.id, evaluations: detector.totals.evaluations, hits: detector.totals.hits, errors: detector.totals.errors }).toEqual({
        id: detector.id,
        evaluations: expected.evaluations,
        hits: expected.hits,
        errors: 0,
      });
      expect(detector.totals.evaluations).toBe(to - from + 1);
      const hits = live.filter((a) => a.detectorId === detector.id).map((a) => a.blockNumber);
      expect([detector.firstHitBlock, detector.lastHitBlock]).toEqual([Math.min(...hits), Math.max(...hits)]);
    }
  });

  it('splits eth_getLogs windows a provider refuses (by results, by range, with a suggested range) and finds the same anomalies', async () => {
    const from = Number(await client.getBlockNumber({ cacheTime: 0 })) + 1;
    for (let i = 0; i < 24; i++) await emitMany(client, { from: users[0]!, contract: emitter.address, count: 1 + (i % 8) });
    const to = Number(await client.getBlockNumber({ cacheTime: 0 }));
    const eventOnly = (extra: Partial<ReplayParameters>) => {
      const ids: string[] = [];
      return replay({ from, to, detectors: [detectors()[0]!], onAnomalies: (a) => void ids.push(...a.map((x) => x.id)), logWindows: { initialSpan: 64 }, ...extra }).then((result) => ({ result, ids }));
    };
    proxy.logLimits = undefined;
    const baseline = await eventOnly({});
    expect(baseline.result.logRefusals).toBe(0);
    expect(baseline.ids.length).toBeGreaterThan(5);

    const limits = [
      { maxResults: 12 },
      { maxRange: 5, code: -32600, message: 'block range too large: at most 5 blocks' },
      { maxResults: 20, message: 'query returned more than 20 results.', suggestRange: true },
    ];
    try {
      for (const limit of limits) {
        proxy.logLimits = limit;
        proxy.reset();
        const limited = await eventOnly({});
        expect(limited.ids, JSON.stringify(limit)).toEqual(baseline.ids);
        expect(limited.result.logs).toBe(baseline.result.logs);
        expect(limited.result.logRefusals).toBeGreaterThan(0);
        expect(proxy.refusedLogQueries()).toBe(limited.result.logRefusals);
      }
    } finally {
      proxy.logLimits = undefined;
    }
  });

  it('grows the window again after a dense stretch', async () => {
    const from = Number(await client.getBlockNumber({ cacheTime: 0 })) + 1;
    for (let i = 0; i < 6; i++) await emitMany(client, { from: users[0]!, contract: emitter.address, count: 10 });
    await mine(client, 200);
    const to = Number(await client.getBlockNumber({ cacheTime: 0 }));
    proxy.logLimits = { maxResults: 15 };
    try {
      const windows = createLogWindows({ client: createChainClients({ chain: chainConfig(proxy.url), retryCount: 0 }).http, address: [emitter.address], initialSpan: 8, growBelowLogs: 5 });
      const widths: number[] = [];
      let logs = 0;
      for (let cursor = from; cursor <= to; ) {
        const window = await windows.next(cursor, to);
        widths.push(window.to - window.from + 1);
        logs += window.logs.length;
        cursor = window.to + 1;
      }
      expect(logs).toBe(60);
      expect(windows.refusals()).toBeGreaterThan(0);
      const smallest = Math.min(...widths);
      expect(smallest).toBeLessThan(8);
      expect(Math.max(...widths.slice(widths.indexOf(smallest)))).toBeGreaterThan(8);
    } finally {
      proxy.logLimits = undefined;
    }
  });
});
