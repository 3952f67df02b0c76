/**
 * Benchmark part 2: RPC calls per block, counted by a proxy in front of a real anvil, for an
 * event-only config on quiet blocks (heads over WebSocket) and for configs watching 1, 10 and 100
 * contracts (an event detector and a balance-drop detector per contract) on quiet and active blocks.
 *
 * The proxy counts HTTP requests; the WebSocket only carries the newHeads subscription.
 */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { createPublicClient, encodeDeployData, encodeFunctionData, http, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { stringify } from 'yaml';
import { createCheckpointStore } from '../src/chain/checkpoint.js';
import { parseConfigText } from '../src/config/load.js';
import { createWarden } from '../src/daemon.js';
import { demoTokenAbi } from '../src/drill/abis.js';
import { DEPLOYER } from '../src/drill/accounts.js';
import { compileContracts } from '../src/drill/compile.js';
import { startAnvil, type Anvil } from '../src/drill/processes.js';
import { createLogger } from '../src/log.js';
import { startCountingProxy, type CountingProxy } from '../test/harness/counting-proxy.js';

export interface CallsPerBlock {
  scenario: string;
  contracts: number;
  blocks: number;
  perBlock: number;
  byMethod: Record<string, number>;
}

async function deployTokens(anvil: Anvil, count: number): Promise<Address[]> {
  const { DemoToken } = await compileContracts();
  const client = createPublicClient({ transport: http(anvil.url) });
  const account = privateKeyToAccount(DEPLOYER.key);
  const chainId = await client.getChainId();
  const base = await client.getTransactionCount({ address: account.address });
  const hashes: Hex[] = [];
  for (let index = 0; index < count; index++) {
    const serializedTransaction = await account.signTransaction({
      type: 'eip1559', chainId, nonce: base + index, to: null, gas: 3_000_000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 10n ** 9n,
      data: encodeDeployData({ abi: DemoToken.abi, bytecode: DemoToken.bytecode, args: [] }),
    });
    hashes.push(await client.sendRawTransaction({ serializedTransaction }));
  }
  const receipts = await Promise.all(hashes.map((hash) => client.waitForTransactionReceipt({ hash, pollingInterval: 20 })));
  return receipts.map((receipt) => receipt.contractAddress!);
}

function benchConfig(params: { proxy: CountingProxy; redisUrl: string; tokens: Address[]; withReads: boolean; keyPrefix: string }): string {
  const contracts = params.tokens.map((address, index) => ({
    name: `token${index}`, chain: 31337, address, protocol: 'bench',
    abi: ['event Transfer(address indexed from, address indexed to, uint256 value)', 'function balanceOf(address account) view returns (uint256)'],
  }));
  const detectors = params.tokens.flatMap((_, index) => [
    { id: `big-transfer-${index}`, kind: 'event', severity: 'low', params: { contracts: [`token${index}`], event: 'Transfer', where: 'value >= 1_000_000_000e18' } },
    ...(params.withReads
      ? [{ id: `drain-${index}`, kind: 'balance-drop', severity: 'low', params: { contract: `token${index}`, token: `token${index}`, dropPercent: 50, windowBlocks: 5 } }]
      : []),
  ]);
  return stringify({
    chains: [{ id: 31337, name: 'bench', rpc: { http: [params.proxy.url], ws: [params.proxy.wsUrl] }, blockTime: 1, finalityDepth: 16 }],
    contracts,
    detectors,
    redis: { url: params.redisUrl, keyPrefix: params.keyPrefix },
    http: { listen: '127.0.0.1:0' },
    plan: { rules: [{ match: { minSeverity: 'critical' }, steps: ['record'] }] },
  });
}

async function waitForCheckpoint(redis: Redis, keyPrefix: string, block: number): Promise<void> {
  const checkpoint = createCheckpointStore({ redis, keyPrefix, chainId: 31337 });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (((await checkpoint.get())?.number ?? -1) >= block) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`warden did not reach block ${block} within 60 s`);
}

/** Runs one scenario: `quiet` blocks mined with anvil_mine (no txs), `active` blocks with one watched Transfer each. */
export async function benchCallsPerBlock(params: {
  redisUrl: string; contracts: number; withReads: boolean; quietBlocks: number; activeBlocks: number; label: string;
}): Promise<CallsPerBlock[]> {
  const anvil = await startAnvil();
  const proxy = await startCountingProxy({ target: anvil.url });
  const redis = new Redis(params.redisUrl);
  const keyPrefix = `bench-${params.label.replace(/[^A-Za-z0-9]+/g, "-")}-${Date.now()}`;
  const silent = new Writable({ write: (_c, _e, callback) => callback() });
  const tokens = await deployTokens(anvil, params.contracts);
  const warden = createWarden({
    loaded: parseConfigText({ text: benchConfig({ proxy, redisUrl: params.redisUrl, tokens, withReads: params.withReads, keyPrefix }) }),
    log: createLogger({ level: process.env.BENCH_LOG ?? 'error', pretty: false, destination: process.env.BENCH_LOG ? process.stderr : silent }),
  });
  const client = createPublicClient({ transport: http(anvil.url) });
  const results: CallsPerBlock[] = [];
  try {
    await warden.start();
    const blockNumber = async () => Number(await client.getBlockNumber({ cacheTime: 0 }));
    const mine = async (count: number) => {
      for (let index = 0; index < count; index++) await client.request({ method: 'anvil_mine' as never, params: ['0x1'] as never });
      await waitForCheckpoint(redis, keyPrefix, await blockNumber());
    };
    /** Calls per block over the blocks actually mined in a phase (anvil may put two txs in one block). */
    const row = (scenario: string, blocks: number) => ({
      scenario, contracts: params.contracts, blocks, perBlock: proxy.total() / blocks, byMethod: perBlock(proxy.counts(), blocks),
    });
    await mine(2); // warm-up: the one-time Multicall3 probe and the first reads
    proxy.reset();
    const quietFrom = await blockNumber();
    await mine(params.quietBlocks);
    results.push(row(`${params.label}, quiet blocks`, (await blockNumber()) - quietFrom));
    if (params.activeBlocks > 0) {
      const account = privateKeyToAccount(DEPLOYER.key);
      proxy.reset();
      const activeFrom = await blockNumber();
      let nonce = await client.getTransactionCount({ address: account.address });
      for (let index = 0; index < params.activeBlocks; index++) {
        const serializedTransaction = await account.signTransaction({
          type: 'eip1559', chainId: 31337, nonce: nonce++, to: tokens[index % tokens.length]!, gas: 100_000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 10n ** 9n,
          data: encodeFunctionData({ abi: demoTokenAbi, functionName: 'mint', args: [account.address, 1n] }),
        });
        await client.sendRawTransaction({ serializedTransaction }); // automine: one block per tx
      }
      const activeTo = await blockNumber();
      await waitForCheckpoint(redis, keyPrefix, activeTo);
      results.push(row(`${params.label}, active blocks`, activeTo - activeFrom));
    }
  } finally {
    await warden.stop();
    redis.disconnect();
    await proxy.stop();
    await anvil.stop();
  }
  return results;
}

function perBlock(counts: Record<string, number>, blocks: number): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([method, count]) => [method, Math.round((count / blocks) * 1000) / 1000]));
}
