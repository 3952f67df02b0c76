/**
 * What /readyz checks and what /metrics reads at scrape time (the rest of the metrics are counted
 * where things happen). Both only read: Redis, the followers' positions, the queue's counts.
 */
import type { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import type { ChainConfig } from '../config/schema.js';
import type { EndpointStatus } from '../chain/endpoints.js';
import type { ReadyCheck } from '../http/health.js';
import { readinessStateKey } from '../readiness/monitor.js';
import type { Metrics } from './metrics.js';
import type { OutageMode } from '../outage/mode.js';

/** One followed chain as the probes see it. */
export interface ProbedChain {
  chain: ChainConfig;
  tip(): { number: number } | undefined;
  bestHead(): number | undefined;
  /** Whether readiness checks run on this chain (a guardian with pause steps there). */
  readinessChecked: boolean;
  /** Health of its HTTP endpoints (src/chain/endpoints.ts). */
  endpoints?(): EndpointStatus[];
}

export interface ProbeParameters {
  chains: ProbedChain[];
  redis: Redis;
  keyPrefix: string;
  maxHeadLag: number;
  /** The Redis outage mode (src/outage/mode.ts): while it spools, Redis down is `degraded`, not unready. */
  outage?: Pick<OutageMode, 'status'>;
}

/** The checks behind /readyz: every chain followed closely enough, Redis up, no readiness check failing. */
export async function readyChecks(params: ProbeParameters): Promise<ReadyCheck[]> {
  const checks: ReadyCheck[] = params.chains.map(({ chain, tip, bestHead }) => {
    const at = tip();
    if (!at) return { name: `chain ${chain.name}`, ok: false, detail: 'no block processed yet' };
    const lag = Math.max(0, (bestHead() ?? at.number) - at.number);
    return { name: `chain ${chain.name}`, ok: lag <= params.maxHeadLag, detail: `block ${at.number}, ${lag} behind the best head (allowed ${params.maxHeadLag})` };
  });
  let failing: number[] = [];
  try {
    await withTimeout(params.redis.ping(), 1_000);
    failing = await failingReadiness(params);
    checks.push({ name: 'redis', ok: true, detail: 'answers' });
  } catch (error) {
    const outage = params.outage?.status();
    const reason = `unreachable: ${error instanceof Error ? error.message : String(error)}`;
    if (outage?.spooling && !outage.spoolError) {
      checks.push({ name: 'redis', ok: true, degraded: true, detail: `${reason}; following and containing on, ${outage.spool.entries} entries spooled for replay` });
    } else checks.push({ name: 'redis', ok: false, detail: outage?.spoolError ? `${reason}; and the spool cannot be written: ${outage.spoolError}` : reason });
  }
  params.chains.forEach(({ chain, readinessChecked }, index) => {
    if (!readinessChecked) return;
    const count = failing[index] ?? 0;
    checks.push({ name: `readiness ${chain.name}`, ok: count === 0, detail: count === 0 ? 'pause path intact' : `${count} check(s) failing: see the readiness incident or \`warden check --live\`` });
  });
  return checks;
}

/** Updates the gauges read at scrape time and renders every metric. */
export async function scrapeMetrics(params: ProbeParameters & { metrics: Metrics; queue?: Queue }): Promise<{ contentType: string; body: string }> {
  const { metrics } = params;
  for (const { chain, tip, bestHead, endpoints } of params.chains) {
    const at = tip();
    if (at) metrics.headLag.set({ chain: chain.name }, Math.max(0, (bestHead() ?? at.number) - at.number));
    for (const endpoint of endpoints?.() ?? []) {
      metrics.endpointInRotation.set({ chain: chain.name, endpoint: endpoint.label }, endpoint.inRotation ? 1 : 0);
      if (endpoint.lag !== undefined) metrics.endpointLag.set({ chain: chain.name, endpoint: endpoint.label }, endpoint.lag);
    }
  }
  const outage = params.outage?.status();
  if (outage) {
    metrics.redisSpooling.set(outage.spooling ? 1 : 0);
    metrics.spoolEntries.set(outage.spool.entries);
    metrics.spoolBytes.set(outage.spool.bytes);
  }
  try {
    const failing = await withTimeout(failingReadiness(params), 1_000);
    params.chains.forEach(({ chain, readinessChecked }, index) => readinessChecked && metrics.readinessFailing.set({ chain: chain.name }, failing[index] ?? 0));
    if (params.queue) {
      const counts = await withTimeout(params.queue.getJobCounts('waiting', 'active', 'delayed', 'failed'), 1_000);
      for (const [state, count] of Object.entries(counts)) metrics.queueDepth.set({ state }, count);
    }
  } catch {
    // Redis down: the gauges keep their last values; warden_rpc and block counters still tell the story.
  }
  return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
}

async function failingReadiness(params: ProbeParameters): Promise<number[]> {
  return Promise.all(params.chains.map(({ chain }) => params.redis.hlen(readinessStateKey(params.keyPrefix, chain.id))));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]);
}
