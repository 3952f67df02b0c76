/**
 * The readiness monitor of one chain, wired to that chain's client, pause targets and keys: what the
 * daemon creates per chain that has pause steps.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { LocalAccount, PublicClient } from 'viem';
import type { Anomaly } from '../../detectors/types.js';
import { createPauseCallBuilder } from '../../responders/pause-route.js';
import type { ResolvedPauseTarget } from '../../responders/pause-targets.js';
import { runReadinessChecks } from '../../responders/readiness.js';
import type { ChainConfig, Config } from '../config/schema.js';
import type { IncidentStore } from '../incidents/store.js';
import { createReadinessMonitor, type ReadinessMonitor } from './monitor.js';

export function createChainReadiness(params: {
  chain: ChainConfig;
  client: PublicClient;
  targets: readonly ResolvedPauseTarget[];
  account: LocalAccount;
  config: Config;
  safeSigners: ReadonlyMap<string, readonly LocalAccount[]>;
  redis: Redis;
  incidents: IncidentStore;
  log: Logger;
  raise(anomaly: Anomaly): Promise<void>;
}): ReadinessMonitor {
  const { chain, client, account, config } = params;
  const calls = createPauseCallBuilder({ client, chainId: chain.id, sender: account.address, safeSigners: params.safeSigners });
  return createReadinessMonitor({
    chainId: chain.id,
    chainName: chain.name,
    config: config.readiness,
    redis: params.redis,
    keyPrefix: config.redis.keyPrefix,
    incidents: params.incidents,
    log: params.log,
    raise: params.raise,
    check: (blockNumber) =>
      runReadinessChecks({
        client,
        chainId: chain.id,
        targets: params.targets,
        guardian: account.address,
        guardianConfig: config.responders.guardian!,
        calls,
        safes: config.responders.safes,
        safeSigners: params.safeSigners,
        blockNumber,
      }),
  });
}
