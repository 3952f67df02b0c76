/**
 * The block processor against a real anvil behind a counting proxy, and a real redis-server:
 * the bloom skips eth_getLogs, one eth_getLogs when it matches, one eth_call for all reads
 * (Multicall3 and deployless), detectors isolated from each other, findings become anomalies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { parseAbi, type Address, type Hex } from 'viem';
import { startAnvil, startRedisServer, type Anvil, type ManagedProcess } from '../../src/drill/processes.js';
import { createBlockProcessor } from '../../src/chain/block-processor.js';
import { planActions } from '../../src/plan/match.js';
import { toHeader } from '../../src/chain/heads.js';
import type { FollowedBlock } from '../../src/chain/follower.js';
import { anomalyId, type BlockContext, type Detector } from '../../detectors/types.js';
import type { ResolvedContract } from '../../src/config/contracts.js';
import { startCountingProxy, type CountingProxy } from '../harness/counting-proxy.js';
import { accounts, deploy, echoRuntime, emitterRuntime, installMulticall3, mine, pingEvent, pingTopic, rpc, sendTx } from './evm.js';

let anvil: Anvil;
let redisServer: ManagedProcess;
let redis: Redis;
let proxy: CountingProxy;
let emitter: Address;
let echo: Address;
let holder: Address;
const logLines: Record<string, unknown>[] = [];
const log = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });

const echoAbi = parseAbi(['function echo(uint256 x) view returns (uint256)']);

beforeAll(async () => {
  [anvil, redisServer] = await Promise.all([startAnvil(), startRedisServer()]);
  redis = new Redis(redisServer.url);
  proxy = await startCountingProxy({ target: anvil.url });
  const client = rpc(anvil.url);
  [emitter, echo] = [await deploy(client, emitterRuntime), await deploy(client, echoRuntime)];
  holder = (await accounts(client))[1]!;
});
afterAll(async () => {
  await proxy?.stop();
  redis?.disconnect();
  await Promise.all([anvil?.stop(), redisServer?.stop()]);
});

const contracts = (): ResolvedContract[] => [
  { name: 'Emitter', chainId: 31337, address: emitter, abi: parseAbi([pingEvent]), protocol: 'demo' },
];

async function followed(blockHash?: Hex): Promise<FollowedBlock> {
  const client = rpc(anvil.url);
  const block = blockHash ? await client.getBlock({ blockHash }) : await client.getBlock({ blockTag: 'latest' });
  return { header: toHeader(block), observedAt: { wallMs: 1, monoNs: '2', runId: 'test' } };
}

/** A detector that records what it saw and reports one finding per Ping log. */
function pingDetector(seen: BlockContext[], withReads = true): Detector {
  return {
    id: 'pings',
    kind: 'event',
    severity: 'high',
    chainId: 31337,
    watchedAddresses: [emitter],
    reads: withReads
      ? () => [
          { key: 'echo', type: 'call', address: echo, abi: echoAbi, functionName: 'echo', args: [42n] },
          { key: 'holderEth', type: 'ethBalance', address: holder },
          { key: 'reverts', type: 'call', address: emitter, abi: echoAbi, functionName: 'echo', args: [1n] },
        ]
      : undefined,
    onBlock(ctx) {
      seen.push(ctx);
      return ctx.logs.map((l) => ({ key: `${l.transactionHash}-${l.logIndex}`, summary: 'ping', evidence: { big: 2n ** 200n } }));
    },
  };
}

function processor(detectors: Detector[], readMode?: 'multicall3' | 'deployless') {
  return createBlockProcessor({
    chainId: 31337,
    chainName: 'anvil',
    client: rpc(proxy.url),
    contracts: contracts(),
    detectors,
    redis,
    keyPrefix: 'bp',
    log,
    readMode,
  });
}

describe('block processor', () => {
  it('makes no eth_getLogs on a block whose bloom excludes the watched addresses, and no eth_call without reads', async () => {
    const seen: BlockContext[] = [];
    const bp = processor([pingDetector(seen, false)]);
    await mine(rpc(anvil.url), 1);
    const block = await followed();
    proxy.reset();
    expect(await bp.process(block)).toEqual([]);
    expect(proxy.counts()).toEqual({});
    expect(seen).toHaveLength(1);
    expect(seen[0]!.logs).toEqual([]);
  });

  it('makes exactly one eth_getLogs when the bloom matches, decodes logs, and builds anomalies', async () => {
    const seen: BlockContext[] = [];
    const bp = processor([pingDetector(seen, false)]);
    const tx = await sendTx(rpc(anvil.url), { to: emitter, data: pingTopic });
    const receipt = await rpc(anvil.url).getTransactionReceipt({ hash: tx });
    const block = await followed(receipt.blockHash);
    proxy.reset();
    const anomalies = await bp.process(block);
    expect(proxy.counts()).toEqual({ eth_getLogs: 1 });
    expect(seen[0]!.logs).toHaveLength(1);
    expect(seen[0]!.logs[0]).toMatchObject({ contract: 'Emitter', eventName: 'Ping', transactionHash: tx, blockNumber: block.header.number });
    expect(anomalies).toEqual([
      {
        id: anomalyId({ chainId: 31337, detectorId: 'pings', blockHash: block.header.hash, key: `${tx}-0` }),
        detectorId: 'pings',
        kind: 'event',
        severity: 'high',
        chainId: 31337,
        blockNumber: block.header.number,
        blockHash: block.header.hash,
        txHashes: [],
        summary: 'ping',
        evidence: { big: (2n ** 200n).toString() },
        addresses: [],
        observedAt: block.observedAt,
      },
    ]);
  });

  it('marks the anomalies of a detector in observe mode, so the plan never pauses for them', async () => {
    const seen: BlockContext[] = [];
    const bp = processor([{ ...pingDetector(seen, false), mode: 'observe' }]);
    const tx = await sendTx(rpc(anvil.url), { to: emitter, data: pingTopic });
    const receipt = await rpc(anvil.url).getTransactionReceipt({ hash: tx });
    const [anomaly] = await bp.process(await followed(receipt.blockHash));
    expect(anomaly).toMatchObject({ detectorId: 'pings', mode: 'observe' });
    const plan = { plan: { incidentWindow: 600, cooldown: 300, rules: [{ match: { minSeverity: 'high' as const }, steps: [{ pause: 'vault-pause' }, 'record' as const] }] } };
    expect(planActions(plan, anomaly!).actions).toEqual([{ kind: 'record' }]);
    expect(planActions(plan, { ...anomaly!, mode: undefined }).actions).toEqual([{ kind: 'pause', targetId: 'vault-pause', dryRun: false }, { kind: 'record' }]);
  });

  it('keeps undecodable logs raw (eventName undefined)', async () => {
    const seen: BlockContext[] = [];
    const bp = processor([pingDetector(seen, false)]);
    const topic = `0x${'ab'.repeat(32)}` as Hex;
    const tx = await sendTx(rpc(anvil.url), { to: emitter, data: topic });
    const block = await followed((await rpc(anvil.url).getTransactionReceipt({ hash: tx })).blockHash);
    await bp.process(block);
    expect(seen[0]!.logs[0]).toMatchObject({ contract: 'Emitter', topics: [topic], data: '0x', args: {} });
    expect(seen[0]!.logs[0]!.eventName).toBeUndefined();
  });

  for (const mode of ['multicall3', 'deployless'] as const) {
    it(`batches all reads into one eth_call (${mode})`, async () => {
      if (mode === 'multicall3') await installMulticall3(rpc(anvil.url));
      const seen: BlockContext[] = [];
      const other: Detector = { ...pingDetector(seen), id: 'second' };
      const bp = processor([pingDetector(seen), other], mode);
      await mine(rpc(anvil.url), 1);
      const block = await followed();
      proxy.reset();
      await bp.process(block);
      const expected = mode === 'multicall3' ? { eth_call: 1 } : { eth_call: 1, eth_getBalance: 2 };
      expect(proxy.counts()).toEqual(expected);
      const balance = await rpc(anvil.url).getBalance({ address: holder, blockNumber: BigInt(block.header.number) });
      for (const ctx of seen) {
        expect(ctx.reads.get('echo')).toEqual({ ok: true, value: 42n });
        expect(ctx.reads.get('holderEth')).toEqual({ ok: true, value: balance });
        expect(ctx.reads.get('reverts')).toMatchObject({ ok: false });
      }
      expect(seen).toHaveLength(2);
    });
  }

  it('checks for Multicall3 once and uses it when deployed', async () => {
    const seen: BlockContext[] = [];
    await installMulticall3(rpc(anvil.url));
    const bp = processor([pingDetector(seen)]);
    await mine(rpc(anvil.url), 1);
    proxy.reset();
    await bp.process(await followed());
    await bp.process(await followed());
    expect(proxy.counts()).toMatchObject({ eth_getCode: 1, eth_call: 2 });
  });

  it('skips a throwing detector for the block, logs its id, and runs the others', async () => {
    const seen: BlockContext[] = [];
    const broken: Detector = { ...pingDetector([], false), id: 'broken', onBlock: () => { throw new Error('boom'); } };
    const brokenReads: Detector = { ...pingDetector([], false), id: 'broken-reads', reads: () => { throw new Error('bad reads'); } };
    const bp = processor([broken, brokenReads, pingDetector(seen, false)]);
    const tx = await sendTx(rpc(anvil.url), { to: emitter, data: pingTopic });
    const block = await followed((await rpc(anvil.url).getTransactionReceipt({ hash: tx })).blockHash);
    const anomalies = await bp.process(block);
    expect(anomalies.map((a) => a.detectorId)).toEqual(['pings']);
    expect(logLines.some((l) => l.detector === 'broken' && l.level === 50 && l.block === block.header.number)).toBe(true);
    expect(logLines.some((l) => l.detector === 'broken-reads' && l.level === 50)).toBe(true);
  });

  it('gives detectors Redis state and calls onReorg with the dropped hashes', async () => {
    const dropped: Hex[][] = [];
    const stateful: Detector = {
      ...pingDetector([], false),
      id: 'stateful',
      async onBlock(ctx, state) {
        await state.set('last', { block: ctx.block.number, big: 5n });
        return [];
      },
      async onReorg(hashes, state) {
        dropped.push(hashes);
        await state.delete('last');
      },
    };
    const bp = processor([stateful]);
    const block = await followed();
    await bp.process(block);
    expect(JSON.parse((await redis.get('bp:chain:31337:detector:stateful:last'))!)).toEqual({ block: block.header.number, big: '5' });
    await bp.handleReorg({ chainId: 31337, droppedHashes: [block.header.hash], commonAncestor: { number: 0, hash: block.header.parentHash } });
    expect(dropped).toEqual([[block.header.hash]]);
    expect(await redis.get('bp:chain:31337:detector:stateful:last')).toBeNull();
  });
});
