/**
 * The daemon's HTTP endpoints wired to its parts: /healthz from where each follower stands, /readyz
 * and /metrics from the probes (src/metrics/probes.ts).
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ChainPart } from '../chain-parts.js';
import type { ChainFollower } from '../chain/follower.js';
import type { Config } from '../config/schema.js';
import type { Metrics } from '../metrics/metrics.js';
import { readyChecks, scrapeMetrics } from '../metrics/probes.js';
import type { OutageMode } from '../outage/mode.js';
import { startHealthServer, type ChainHealth, type HealthServer } from './health.js';

/** Where each chain's follower stands (what /healthz reports). */
export function chainHealth(params: { parts: ChainPart[]; followers: ChainFollower[]; lastBlockAt: (number | undefined)[] }): ChainHealth[] {
  const { parts, followers, lastBlockAt } = params;
  return parts.map((part, index) => ({
    name: part.chain.name,
    id: part.chain.id,
    tip: followers[index]!.tip(),
    headMode: followers[index]!.headMode(),
    secondsSinceLastBlock: lastBlockAt[index] === undefined ? undefined : Math.round((Date.now() - lastBlockAt[index]!) / 100) / 10,
  }));
}

export function startDaemonHealth(params: {
  config: Config;
  parts: ChainPart[];
  followers: ChainFollower[];
  chains(): ChainHealth[];
  redis: Redis;
  outage: OutageMode;
  metrics: Metrics;
  queue(): Queue | undefined;
}): Promise<HealthServer> {
  const { config, parts, followers } = params;
  const probe = {
    chains: parts.map((part, index) => ({
      chain: part.chain,
      tip: () => followers[index]!.tip(),
      bestHead: () => followers[index]!.bestHead(),
      readinessChecked: part.readiness !== undefined,
      endpoints: () => part.clients.endpoints.status(),
    })),
    redis: params.redis,
    keyPrefix: config.redis.keyPrefix,
    maxHeadLag: config.http.readyMaxHeadLag,
    outage: params.outage,
  };
  return startHealthServer({
    listen: config.http.listen,
    chains: params.chains,
    ready: () => readyChecks(probe),
    metrics: () => scrapeMetrics({ ...probe, metrics: params.metrics, queue: params.queue() }),
  });
}
