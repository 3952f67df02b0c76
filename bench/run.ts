/**
 * `npm run bench`: containment latency over repeated drills and RPC calls per block.
 * Prints a summary and writes bench/results.json. Options: --runs N (default 20), --skip-drills.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { startRedisServer } from '../src/drill/processes.js';
import { benchDrillLatency } from './drill-latency.js';
import { benchCallsPerBlock, type CallsPerBlock } from './rpc-calls.js';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 20) || 20;
const skipDrills = args.includes('--skip-drills');

const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}/${process.arch}` };
console.log(`machine: ${JSON.stringify(machine)}`);

const drills = skipDrills ? undefined : await benchDrillLatency({ runs, blockTime: 1, onRun: (_index, line) => console.log(line) });
if (drills) {
  console.log(`\ndrills: ${drills.contained}/${drills.runs} contained`);
  console.log(`blocksToContainment distribution: ${JSON.stringify(drills.blocksToContainment)}`);
  console.log(`headToBroadcastMs p50=${drills.headToBroadcastMs.p50} p95=${drills.headToBroadcastMs.p95} p99=${drills.headToBroadcastMs.p99} (min ${drills.headToBroadcastMs.min}, max ${drills.headToBroadcastMs.max})`);
}

const redis = await startRedisServer();
const calls: CallsPerBlock[] = [];
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

await writeFile(new URL('./results.json', import.meta.url), `${JSON.stringify({ date: new Date().toISOString(), machine, drills, callsPerBlock: calls }, null, 2)}\n`);
console.log('\nwrote bench/results.json');
