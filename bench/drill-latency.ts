/**
 * Benchmark part 1: run the drill N times on 1 s blocks and collect blocksToContainment and
 * headToBroadcastMs (head of the detecting block received → pause tx broadcast).
 */
import { Writable } from 'node:stream';
import { startRedisServer } from '../src/drill/processes.js';
import { runDrill } from '../src/drill/run.js';
import { createLogger } from '../src/log.js';
import { distribution, percentile } from './stats.js';

export interface DrillLatencyResult {
  runs: number;
  contained: number;
  blocksToContainment: Record<string, number>;
  headToBroadcastMs: { p50?: number; p95?: number; p99?: number; min?: number; max?: number; samples: number[] };
  lostFraction: { median?: number; max?: number };
}

export async function benchDrillLatency(params: { runs: number; blockTime: number; onRun?(index: number, line: string): void }): Promise<DrillLatencyResult> {
  const redis = await startRedisServer();
  const silent = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const blocks: (number | undefined)[] = [];
  const latencies: number[] = [];
  const lost: number[] = [];
  let contained = 0;
  try {
    for (let index = 0; index < params.runs; index++) {
      const log = createLogger({ level: 'warn', pretty: false, destination: silent });
      const { report } = await runDrill({ log, blockTime: params.blockTime, env: { ...process.env, REDIS_URL: redis.url } });
      blocks.push(report.blocksToContainment);
      if (report.headToBroadcastMs !== undefined) latencies.push(report.headToBroadcastMs);
      lost.push(report.lostFraction);
      if (report.contained) contained++;
      params.onRun?.(
        index,
        `run ${index + 1}/${params.runs}: contained=${report.contained} blocksToContainment=${report.blocksToContainment} headToBroadcastMs=${report.headToBroadcastMs?.toFixed(2)}`,
      );
    }
  } finally {
    await redis.stop();
  }
  const round = (value: number | undefined) => (value === undefined ? undefined : Math.round(value * 100) / 100);
  return {
    runs: params.runs,
    contained,
    blocksToContainment: distribution(blocks),
    headToBroadcastMs: {
      p50: round(percentile(latencies, 50)),
      p95: round(percentile(latencies, 95)),
      p99: round(percentile(latencies, 99)),
      min: round(Math.min(...latencies)),
      max: round(Math.max(...latencies)),
      samples: latencies.map((value) => round(value)!),
    },
    lostFraction: { median: percentile(lost, 50), max: Math.max(...lost) },
  };
}
