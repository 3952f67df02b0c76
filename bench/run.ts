/**
 * `npm run bench`: containment latency over repeated drills, RPC calls per block, and replay throughput.
 * Prints a summary and writes bench/results.json. Options: --runs N (default 20), --skip-drills,
 * --skip-calls, --skip-replay, --replay-logs N (default 200000), --skip-soak, --soak-blocks N (default 100000).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { startRedisServer } from '../src/drill/processes.js';
import { benchDrillLatency } from './drill-latency.js';
import { benchReplay } from './replay.js';
import { benchSoak } from './soak.js';
import { benchCallsPerBlock, type CallsPerBlock } from './rpc-calls.js';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 20) || 20;
const skipDrills = args.includes('--skip-drills');
const skipCalls = args.includes('--skip-calls');
const skipReplay = args.includes('--skip-replay');
const replayLogs = args.includes('--replay-logs') ? Number(args[args.indexOf('--replay-logs') + 1]) : 200_000;
const skipSoak = args.includes('--skip-soak');
const soakBlocks = args.includes('--soak-blocks') ? Number(args[args.indexOf('--soak-blocks') + 1]) : 100_000;

const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}/${process.arch}` };
console.log(`machine: ${JSON.stringify(machine)}`);

const drills = skipDrills ? undefined : await benchDrillLatency({ runs, blockTime: 1, onRun: (_index, line) => console.log(line) });
if (drills) {
  console.log(`\ndrills: ${drills.contained}/${drills.runs} contained`);
  console.log(`blocksToContainment distribution: ${JSON.stringify(drills.blocksToContainment)}`);
  console.log(`headToBroadcastMs p50=${drills.headToBroadcastMs.p50} p95=${drills.headToBroadcastMs.p95} p99=${drills.headToBroadcastMs.p99} (min ${drills.headToBroadcastMs.min}, max ${drills.headToBroadcastMs.max})`);
}

const calls: CallsPerBlock[] = [];
if (!skipCalls) {
  const redis = await startRedisServer();
  try {
    calls.push(...(await benchCallsPerBlock({ redisUrl: redis.url, contracts: 1, withReads: false, quietBlocks: 200, activeBlocks: 0, label: 'event-only over WebSocket' })));
    for (const contracts of [1, 10, 100]) {
      calls.push(...(await benchCallsPerBlock({ redisUrl: redis.url, contracts, withReads: true, quietBlocks: 50, activeBlocks: 50, label: `${contracts} contracts, event + balance-drop each` })));
    }
  } finally {
    await redis.stop();
  }
  console.log('\nJSON-RPC calls per block (counted by method by a proxy in front of anvil; batched calls count one each):');
  for (const row of calls) console.log(`  ${row.scenario.padEnd(55)} ${row.perBlock.toFixed(3).padStart(7)}  ${JSON.stringify(row.byMethod)}`);
}

const replay = skipReplay ? undefined : await benchReplay({ logs: replayLogs });
if (replay) {
  console.log(`\nreplay: ${replay.logs} logs in ${replay.blocks} blocks (${replay.anomalies} anomalies), generated in ${(replay.generateMs / 1000).toFixed(1)} s`);
  console.log(`  our processing: median ${replay.ourLogsPerSecond} logs/s decoded and evaluated over ${replay.ourLogsPerSecondRuns.length} runs (${replay.ourLogsPerSecondRuns.join(', ')}; median run ${replay.processingMs} ms; target >= 100000)`);
  console.log(`  end to end:     ${replay.endToEndLogsPerSecond} logs/s (${replay.elapsedMs} ms, of which ${replay.rpcWaitMs} ms waiting for the RPC)`);
}

const soak = skipSoak ? undefined : await benchSoak({ blocks: soakBlocks, onSample: (line) => console.log(line) });
if (soak) {
  console.log(`\nsoak: ${soak.blocks} blocks (${soak.trafficTxs} traffic txs) in ${soak.elapsedSeconds} s, warden from ${soak.runsFrom}`);
  console.log(`  RSS max ${soak.maxRssMB} MB (target <= 200); median ${soak.medianRssMB.from} MB from block 10,000 -> ${soak.medianRssMB.to} MB at the end: ${soak.growthPercent} % (target <= 5)`);
}

// A skipped part keeps its previous results (named in carriedOver, with the date they were measured).
const resultsFile = new URL('./results.json', import.meta.url);
const previous = (await readFile(resultsFile, 'utf8').then((text) => JSON.parse(text) as Record<string, unknown>).catch(() => ({}))) as Record<string, unknown>;
const skipped = [...(skipDrills ? ['drills'] : []), ...(skipCalls ? ['callsPerBlock'] : []), ...(skipReplay ? ['replay'] : []), ...(skipSoak ? ['soak'] : [])];
const results = {
  date: new Date().toISOString(),
  machine,
  drills: drills ?? previous.drills,
  callsPerBlock: skipCalls ? previous.callsPerBlock : calls,
  replay: replay ?? previous.replay,
  soak: soak ?? previous.soak,
  ...(skipped.length > 0 ? { carriedOver: { parts: skipped, measured: (previous.carriedOver as { measured?: string } | undefined)?.measured ?? previous.date } } : {}),
};
await writeFile(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
console.log('\nwrote bench/results.json');
