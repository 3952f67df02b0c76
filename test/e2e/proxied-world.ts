/**
 * warden in-process on config/drill.yaml with every RPC request — HTTP and WebSocket — going through
 * the seeded fault proxy, in front of a real anvil whose blocks the test mines itself; a real
 * redis-server; the demo protocol deployed directly on anvil (set-up is not under test).
 *
 * It records what the daemon says it processed and every checkpoint write Redis receives, so a test
 * can check the checkpoint against processed data:
 * - `checked`: each 'block checked' log line (the block processor ran the detectors on the block),
 *   captured synchronously as the daemon logs it;
 * - `committed`: each 'block processed' line (logged after the checkpoint write);
 * - `checkpointWrites`: every SET of the checkpoint key, seen through Redis MONITOR. A MONITOR event
 *   reaches us after the command was sent, and the daemon logs synchronously, so when a write arrives
 *   the lines logged before it was sent are already in `checked`; `aheadOfProcessing` lists writes of
 *   a block for which no 'block checked' line (or, when it found anomalies, no queued batch) existed yet.
 */
import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import type { Address, Hex, PublicClient } from 'viem';
import type { Anomaly } from '../../detectors/types.js';
import { demoVaultAbi } from '../../src/drill/abis.js';
import { deployDrillProtocol, drillEnv } from '../../src/drill/drill-env.js';
import { startAnvil, startRedisServer, type Anvil, type ManagedProcess } from '../../src/drill/processes.js';
import { defaultDrillConfigPath } from '../../src/drill/run.js';
import { parseConfigText } from '../../src/config/load.js';
import { createWarden, type Warden } from '../../src/daemon.js';
import { createLogger } from '../../src/log.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { rpc } from '../chain/evm.js';
import { monitorRedis } from '../harness/redis-monitor.js';

export interface BlockRef {
  number: number;
  hash: Hex;
}

export interface ProxiedWorld {
  anvil: Anvil;
  redis: ManagedProcess;
  proxy: FaultProxy;
  /** Talks to anvil directly (never through the proxy). */
  client: PublicClient;
  vault: Address;
  warden: Warden;
  anomalies: Anomaly[];
  lines: Record<string, unknown>[];
  checked(): { block: number; anomalies: number }[];
  committed(): BlockRef[];
  checkpointWrites: BlockRef[];
  aheadOfProcessing: { write: BlockRef; why: string }[];
  checkpoint(): Promise<BlockRef | undefined>;
  mine(blocks?: number): Promise<void>;
  head(): Promise<BlockRef>;
  paused(): Promise<boolean>;
  stop(): Promise<void>;
}

const keyPrefix = 'warden-drill'; // config/drill.yaml
const checkpointKey = `${keyPrefix}:chain:31337:checkpoint`;

/** config/drill.yaml for fast, manually mined blocks: short poll and RPC timeout, debug logs. */
async function fastDrillConfigText(blockTime: number): Promise<string> {
  const text = await readFile(defaultDrillConfigPath, 'utf8');
  const edited = text.replace(/blockTime: 1 #.*\n/, `blockTime: ${blockTime}\n    rpcTimeout: 2\n`);
  if (edited === text) throw new Error('config/drill.yaml changed: the blockTime edit did not apply');
  return edited;
}

export async function startProxiedWorld(params: { seed: number; blockTime: number }): Promise<ProxiedWorld> {
  const [anvil, redis] = await Promise.all([startAnvil(), startRedisServer()]);
  const client = rpc(anvil.url);
  const protocol = await deployDrillProtocol({ rpcUrl: anvil.url });
  // From here on blocks come only when the test mines them.
  await client.request({ method: 'evm_setAutomine', params: [false] } as never);
  const proxy = await startFaultProxy({ target: anvil.url, seed: params.seed, faults: {} });
  const env = drillEnv({ base: process.env, rpcUrl: proxy.url, wsUrl: proxy.wsUrl, protocol, redisUrl: redis.url });
  const loaded = parseConfigText({ text: await fastDrillConfigText(params.blockTime), file: defaultDrillConfigPath, env });

  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const anomalies: Anomaly[] = [];
  const warden = createWarden({ loaded, env, log: createLogger({ level: 'debug', pretty: false, destination: sink }), onAnomalies: (batch) => anomalies.push(...batch) });

  const checked = () => lines.filter((line) => line.msg === 'block checked').map((line) => ({ block: Number(line.block), anomalies: Number(line.anomalies) }));
  const checkpointWrites: BlockRef[] = [];
  const aheadOfProcessing: ProxiedWorld['aheadOfProcessing'] = [];
  const monitor = await monitorRedis({ port: redis.port, onCommand: (args) => {
    if (args[0] !== 'set' || args[1] !== checkpointKey) return;
    const write = JSON.parse(args[2]!) as BlockRef;
    checkpointWrites.push(write);
    const runs = checked().filter((run) => run.block === write.number);
    if (runs.length === 0) return void aheadOfProcessing.push({ write, why: 'no detector run of this block was logged before the write' });
    const queued = anomalies.some((anomaly) => anomaly.blockNumber === write.number && anomaly.blockHash === write.hash);
    if (runs.at(-1)!.anomalies > 0 && !queued) aheadOfProcessing.push({ write, why: 'its anomalies were not queued before the write' });
  } });

  const stopAll = async () => {
    await monitor.close();
    await proxy.stop();
    await Promise.all([anvil.stop(), redis.stop()]);
  };
  try {
    await warden.start();
  } catch (error) {
    await warden.stop().catch(() => {});
    await stopAll(); // no anvil or redis-server left behind
    throw error;
  }
  return {
    anvil,
    redis,
    proxy,
    client,
    vault: protocol.vault,
    warden,
    anomalies,
    lines,
    checked,
    committed: () => lines.filter((line) => line.msg === 'block processed').map((line) => ({ number: Number(line.block), hash: line.hash as Hex })),
    checkpointWrites,
    aheadOfProcessing,
    async checkpoint() {
      const text = await warden.redis.get(checkpointKey);
      return text === null ? undefined : (JSON.parse(text) as BlockRef);
    },
    async mine(blocks = 1) {
      for (let i = 0; i < blocks; i++) await client.request({ method: 'evm_mine', params: [] } as never);
    },
    async head() {
      const block = await client.getBlock({ blockTag: 'latest' });
      return { number: Number(block.number), hash: block.hash };
    },
    paused: () => client.readContract({ address: protocol.vault, abi: demoVaultAbi, functionName: 'paused' }),
    async stop() {
      await warden.stop();
      await stopAll();
    },
  };
}
