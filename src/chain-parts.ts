/**
 * The parts the daemon runs per chain: RPC clients, the block processor, the guardian pauser and its
 * offline twin (for Redis outages), readiness checks and the liveness monitor. Built once at start;
 * a reload swaps only the block processor (see reload in daemon.ts).
 */
import type { Redis } from 'ioredis';
import type { LocalAccount } from 'viem';
import type { Anomaly } from '../detectors/types.js';
import { createGuardianPauser, type GuardianPauser, type PauseBroadcast, type ResolvedPauseTarget } from '../responders/pause-guardian.js';
import type { createSafeServices } from '../responders/safe/services.js';
import type { BlockProcessor } from './chain/block-processor.js';
import { createChainClients, type ChainClients } from './chain/clients.js';
import type { Config, ChainConfig } from './config/schema.js';
import type { IncidentStore } from './incidents/types.js';
import { createDeepReorgAlarm, type DeepReorgAlarm } from './liveness/deep-reorg.js';
import { createLivenessMonitor, type LivenessMonitor } from './liveness/monitor.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics/metrics.js';
import type { OutageHandling } from './outage/handling.js';
import { createChainReadiness } from './readiness/chain.js';

export interface ChainPart {
  chain: ChainConfig;
  clients: ChainClients;
  processor: BlockProcessor;
  pauser?: GuardianPauser;
  /** The pauser's twin for Redis outages (records in memory; src/outage/offline-pauser.ts). */
  offlinePauser?: GuardianPauser;
  readiness?: ReturnType<typeof createChainReadiness>;
  liveness: LivenessMonitor;
  /** Raises a critical `liveness` anomaly for a reorg deeper than finalityDepth (src/liveness/deep-reorg.ts). */
  deepReorg: DeepReorgAlarm;
}

export function createChainParts(params: {
  config: Config;
  pauseTargets: ResolvedPauseTarget[];
  processorFor(chain: ChainConfig, clients: ChainClients): BlockProcessor;
  account?: LocalAccount;
  safeSigners: ReadonlyMap<string, readonly LocalAccount[]>;
  safeServices: ReturnType<typeof createSafeServices>;
  broadcast?: PauseBroadcast;
  redis: Redis;
  incidents: IncidentStore;
  outage: OutageHandling;
  metrics: Metrics;
  log: Logger;
}): ChainPart[] {
  const { config, account, safeSigners, redis, incidents, outage, log } = params;
  const guardian = config.responders.guardian;
  const keyPrefix = config.redis.keyPrefix;
  const raise = (chain: ChainConfig) => (anomaly: Anomaly) => outage.enqueue(chain.id, [anomaly]);
  return config.chains.map((chain) => {
    const clients = createChainClients({ chain, metrics: params.metrics, log });
    const targets = params.pauseTargets.filter((target) => target.chainId === chain.id);
    const canPause = account !== undefined && guardian !== undefined && targets.length > 0;
    const pauserParams = { chain, publicClient: clients.http, account: account!, guardian: guardian!, targets, redis, keyPrefix, log, safeSigners, broadcast: params.broadcast };
    const pauser = canPause
      ? createGuardianPauser({ ...pauserParams, proposals: { safes: config.responders.safes, services: params.safeServices, incidents } })
      : undefined;
    return {
      chain,
      clients,
      processor: params.processorFor(chain, clients),
      pauser,
      offlinePauser: canPause ? outage.addOfflinePauser(pauserParams) : undefined,
      readiness: canPause
        ? createChainReadiness({ chain, client: clients.http, targets, account: account!, config, safeSigners, redis, incidents, log, raise: raise(chain) })
        : undefined,
      // A stalled head raises a `liveness` anomaly (observe) through the queue; its end is recorded in that incident.
      liveness: createLivenessMonitor({ chain, clients, incidents, log, raise: raise(chain) }),
      deepReorg: createDeepReorgAlarm({ chain, log, raise: raise(chain) }),
    };
  });
}
