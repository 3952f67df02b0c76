/**
 * The `call` detector through the real block processor, against anvil behind a counting proxy and a
 * real redis-server: an outsider's upgradeTo is flagged, the admin's is not; the full block is fetched
 * (one eth_getBlockByHash) only when a call detector exists, receipts only with `failed`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { encodeFunctionData, getAddress, parseAbi, type Address, type Hex } from 'viem';
import { startAnvil, startRedisServer, type Anvil, type ManagedProcess } from '../../src/drill/processes.js';
import { createBlockProcessor } from '../../src/chain/block-processor.js';
import { readDetectorStats } from '../../src/chain/detector-stats.js';
import { toHeader } from '../../src/chain/heads.js';
import { createCallDetector } from '../../detectors/call.js';
import type { Detector } from '../../detectors/types.js';
import type { ResolvedContract } from '../../src/config/contracts.js';
import { startCountingProxy, type CountingProxy } from '../harness/counting-proxy.js';
import { accounts, deploy, emitterRuntime, rpc } from './evm.js';

/** Runtime that always reverts. */
const revertingRuntime: Hex = '0x60006000fd';
const abi = ['function upgradeTo(address newImplementation)', 'function setOracle(address oracle)', 'function deposit(uint256 amount)'];
const proxyAbi = parseAbi(abi);

let anvil: Anvil;
let redisServer: ManagedProcess;
let redis: Redis;
let proxy: CountingProxy;
let upgradeable: ResolvedContract;
let locked: ResolvedContract;
let admin: Address;
let attacker: Address;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  [anvil, redisServer] = await Promise.all([startAnvil(), startRedisServer()]);
  redis = new Redis(redisServer.url);
  proxy = await startCountingProxy({ target: anvil.url });
  const client = rpc(anvil.url);
  [admin, , attacker] = (await accounts(client)).map((a) => getAddress(a)) as [Address, Address, Address];
  upgradeable = { name: 'proxy', chainId: 31337, address: await deploy(client, emitterRuntime), abi: proxyAbi, protocol: 'demo' };
  locked = { name: 'locked', chainId: 31337, address: await deploy(client, revertingRuntime), abi: proxyAbi, protocol: 'demo' };
});
afterAll(async () => {
  await proxy?.stop();
  redis?.disconnect();
  await Promise.all([anvil?.stop(), redisServer?.stop()]);
});

/** Sends a call (gas given, so a reverting one is mined too) and returns the block it landed in. */
async function call(from: Address, to: Address, data: Hex) {
  const client = rpc(anvil.url);
  const hash = (await client.request({ method: 'eth_sendTransaction', params: [{ from, to, data, gas: '0x30000' }] } as never)) as Hex;
  const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  const block = await client.getBlock({ blockHash: receipt.blockHash });
  return { hash, status: receipt.status, followed: { header: toHeader(block), observedAt: { wallMs: 1, monoNs: '2', runId: 'test' } } };
}

function processor(detectors: Detector[], keyPrefix = 'call') {
  return createBlockProcessor({ chainId: 31337, chainName: 'anvil', client: rpc(proxy.url), contracts: [upgradeable, locked], detectors, redis, keyPrefix, log });
}

const upgradeTo = (to: Address) => encodeFunctionData({ abi: proxyAbi, functionName: 'upgradeTo', args: [to] });

describe('call detector on anvil', () => {
  it("flags an outsider's upgradeTo, stays quiet on the admin's and on other functions, with one eth_getBlockByHash per block", async () => {
    const detector = createCallDetector({ id: 'upgrades', severity: 'critical', chainId: 31337, contracts: [upgradeable], functions: ['upgradeTo', 'setOracle'], allow: [admin] });
    const bp = processor([detector]);
    const normal = [
      await call(admin, upgradeable.address, upgradeTo(admin)),
      await call(attacker, upgradeable.address, encodeFunctionData({ abi: proxyAbi, functionName: 'deposit', args: [10n] })),
    ];
    for (const { followed } of normal) {
      proxy.reset();
      expect(await bp.process(followed)).toEqual([]);
      expect(proxy.counts()).toEqual({ eth_getBlockByHash: 1 });
    }
    const attack = await call(attacker, upgradeable.address, upgradeTo(attacker));
    proxy.reset();
    const anomalies = await bp.process(attack.followed);
    expect(proxy.counts()).toEqual({ eth_getBlockByHash: 1 });
    expect(anomalies).toHaveLength(1);
    expect(anomalies[0]).toMatchObject({
      detectorId: 'upgrades',
      kind: 'call',
      severity: 'critical',
      blockNumber: attack.followed.header.number,
      txHashes: [attack.hash],
      evidence: { function: 'upgradeTo', from: attacker, args: [attacker] },
    });
    await bp.flushStats();
    expect((await readDetectorStats({ redis, keyPrefix: 'call', chainId: 31337 })).get('upgrades')).toMatchObject({ evaluations: 3, hits: 1, errors: 0 });
  });

  it('fetches no full block on a chain without a call detector', async () => {
    const quiet: Detector = { id: 'quiet', kind: 'test', severity: 'low', chainId: 31337, watchedAddresses: [upgradeable.address], onBlock: () => [] };
    const { followed } = await call(attacker, upgradeable.address, upgradeTo(attacker));
    proxy.reset();
    await processor([quiet], 'call-none').process(followed);
    expect(proxy.counts().eth_getBlockByHash).toBeUndefined();
    expect(proxy.counts().eth_getBlockReceipts).toBeUndefined();
  });

  it('with failed: true flags the reverted call only, fetching the receipts once per block', async () => {
    const detector = createCallDetector({ id: 'probing', severity: 'medium', chainId: 31337, contracts: [upgradeable, locked], functions: ['setOracle'], failed: true });
    const bp = processor([detector], 'call-failed');
    const setOracle = encodeFunctionData({ abi: proxyAbi, functionName: 'setOracle', args: [attacker] });
    const succeeded = await call(attacker, upgradeable.address, setOracle);
    const reverted = await call(attacker, locked.address, setOracle);
    expect([succeeded.status, reverted.status]).toEqual(['success', 'reverted']);
    proxy.reset();
    expect(await bp.process(succeeded.followed)).toEqual([]);
    expect(proxy.counts()).toEqual({ eth_getBlockByHash: 1, eth_getBlockReceipts: 1 });
    const anomalies = await bp.process(reverted.followed);
    expect(anomalies.map((a) => [a.detectorId, a.txHashes[0], a.evidence.status])).toEqual([['probing', reverted.hash, 'reverted']]);
  });
});
