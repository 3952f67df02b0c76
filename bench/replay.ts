/**
 * Benchmark part 3: replay throughput. Generates `logs` Transfer logs on anvil (a contract emitting
 * `logsPerTx` per transaction), then replays that range with two event detectors (conditions over the
 * arguments, a few hits) and reports logs decoded and evaluated per second of our own processing
 * (decoding, detectors, anomaly building), beside the time spent waiting for the RPC (eth_getLogs,
 * headers, JSON parsing in viem).
 */
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { createDetectors } from '../detectors/index.js';
import { createChainClients } from '../src/chain/clients.js';
import { parseConfigText } from '../src/config/load.js';
import { startAnvil } from '../src/drill/processes.js';
import { createLogger } from '../src/log.js';
import { replayRange } from '../src/replay/replay.js';
import { accounts, rpc } from '../test/chain/evm.js';
import { deployManyLogs, emitMany, transferEvent } from '../test/harness/many-logs.js';

export interface ReplayBench {
  logs: number;
  decodedLogs: number;
  blocks: number;
  evaluatedBlocks: number;
  anomalies: number;
  /** Wall time of the replay, and its split. */
  elapsedMs: number;
  processingMs: number;
  rpcWaitMs: number;
  /** Logs decoded and evaluated per second of our processing (the target: >= 100k): the median run. */
  ourLogsPerSecond: number;
  /** Every run's figure, in run order (the median above is of these). */
  ourLogsPerSecondRuns: number[];
  /** Logs per second of wall time, RPC included. */
  endToEndLogsPerSecond: number;
  generateMs: number;
}

export async function benchReplay(params: { logs: number; logsPerTx?: number; runs?: number }): Promise<ReplayBench> {
  const logsPerTx = params.logsPerTx ?? 2_000;
  const anvil = await startAnvil();
  try {
    const client = rpc(anvil.url);
    const [from] = await accounts(client);
    const contract = await deployManyLogs(client, from!);
    const generating = performance.now();
    const first = Number(await client.getBlockNumber({ cacheTime: 0 })) + 1;
    const txs = Math.ceil(params.logs / logsPerTx);
    for (let index = 0; index < txs; index++) await emitMany(client, { from: from!, contract, count: logsPerTx, wait: index === txs - 1 });
    const last = Number(await client.getBlockNumber({ cacheTime: 0 }));
    const generateMs = performance.now() - generating;

    const chain = { id: 31337, name: 'bench', rpc: { http: [anvil.url], ws: [] }, blockTime: 1, finalityDepth: 16 };
    const loaded = parseConfigText({
      text: stringify({
        chains: [chain],
        contracts: [{ name: 'token', chain: 31337, address: contract, abi: [transferEvent] }],
        detectors: [
          { id: 'large-transfer', kind: 'event', severity: 'high', params: { contracts: ['token'], event: 'Transfer', where: `value >= ${logsPerTx - 1}` } },
          { id: 'self-transfer', kind: 'event', severity: 'low', params: { contracts: ['token'], event: 'Transfer', where: 'from == to and value > 0' } },
        ],
        redis: { url: 'redis://127.0.0.1:1' },
        plan: { rules: [{ match: { minSeverity: 'critical' }, steps: ['record'] }] },
      }),
    });
    const silent = new Writable({ write: (_c, _e, callback) => callback() });
    const log = createLogger({ level: 'error', pretty: false, destination: silent });
    const detectors = createDetectors({ config: loaded.config, contracts: loaded.contracts, log });
    // The same range several times (state starts empty each time): one run on a shared VM is noise.
    const runs: Awaited<ReturnType<typeof replayRange>>[] = [];
    for (let run = 0; run < (params.runs ?? 5); run++) {
      runs.push(
        await replayRange({
          client: createChainClients({ chain: loaded.config.chains[0]!, retryCount: 0 }).http,
          chainId: 31337,
          chainName: 'bench',
          contracts: [...loaded.contracts.values()],
          detectors,
          from: first,
          to: last,
          log,
          // anvil answers any range; 10k logs a window is what public providers allow.
          logWindows: { initialSpan: Math.max(1, Math.floor(10_000 / logsPerTx)), maxSpan: Math.max(1, Math.floor(10_000 / logsPerTx)) },
        }),
      );
    }
    const perSecond = (run: (typeof runs)[number]) => Math.round(run.decodedLogs / (run.processingMs / 1000));
    const result = [...runs].sort((a, b) => perSecond(a) - perSecond(b))[Math.floor(runs.length / 2)]!;
    const round = (value: number) => Math.round(value * 10) / 10;
    return {
      logs: result.logs,
      decodedLogs: result.decodedLogs,
      blocks: result.blocks,
      evaluatedBlocks: result.evaluatedBlocks,
      anomalies: result.anomalies,
      elapsedMs: round(result.elapsedMs),
      processingMs: round(result.processingMs),
      rpcWaitMs: round(result.rpcWaitMs),
      ourLogsPerSecond: perSecond(result),
      ourLogsPerSecondRuns: runs.map(perSecond),
      endToEndLogsPerSecond: Math.round(result.logs / (result.elapsedMs / 1000)),
      generateMs: round(generateMs),
    };
  } finally {
    await anvil.stop();
  }
}
