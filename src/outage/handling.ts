/**
 * Everything the daemon needs to ride out a Redis outage, built in one place (see docs/reliability.md,
 * "Redis outage"): the spool and the outage mode, the replayer, the wrappers of the follower's stores,
 * the offline pausers and the direct containment.
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Anomaly, DetectorState } from '../../detectors/types.js';
import type { CreateGuardianPauserParameters, GuardianPauser } from '../../responders/pause-guardian.js';
import type { CheckpointStore } from '../chain/checkpoint.js';
import type { ResolvedContract } from '../config/contracts.js';
import type { Config } from '../config/schema.js';
import type { IncidentStore } from '../incidents/types.js';
import { createDirectContainment, type DirectContainment } from './direct-containment.js';
import { createOutageMode, type OutageMode } from './mode.js';
import { createOfflinePauser } from './offline-pauser.js';
import { createSpoolReplayer } from './replay.js';
import { createSpool } from './spool.js';
import { spoolingCheckpoint, spoolingDetectorState } from './stores.js';

/**
 * `redis.spoolDir` (relative to the config file), default ~/.warden/spool; one subdirectory per key
 * prefix and Redis (a short hash of its url), so a spool is only ever replayed into the Redis it was
 * meant for, even when deployments on one host share a directory and a prefix.
 */
export function spoolDirOf(params: { spoolDir?: string; configFile?: string; keyPrefix: string; redisUrl: string }): string {
  const base = params.spoolDir
    ? isAbsolute(params.spoolDir) || !params.configFile
      ? resolve(params.spoolDir)
      : resolve(dirname(params.configFile), params.spoolDir)
    : join(homedir(), '.warden', 'spool');
  return join(base, `${params.keyPrefix}-${createHash('sha256').update(params.redisUrl).digest('hex').slice(0, 8)}`);
}

export interface OutageHandling {
  mode: OutageMode;
  direct: DirectContainment;
  /** Puts anomalies on the queue, or in the spool while Redis is out. */
  enqueue(chainId: number, anomalies: Anomaly[]): Promise<void>;
  checkpoint(chainId: number, inner: CheckpointStore): CheckpointStore;
  detectorState(chainId: number): (state: DetectorState, detectorId: string) => DetectorState;
  /** The offline pauser of a chain (added to `direct`'s pausers), if any target there can be paused without Redis. */
  addOfflinePauser(params: Omit<CreateGuardianPauserParameters, 'proposals' | 'recordStore' | 'nonceBlockTag'>): GuardianPauser | undefined;
  close(): void;
}

export function createOutageHandling(params: {
  config: Config;
  configFile?: string;
  redis: Redis;
  incidents: IncidentStore;
  current(): { config: Config; contracts: Map<string, ResolvedContract> };
  /** The queue's add; undefined until the daemon started it. */
  queueAdd(): ((anomalies: Anomaly[]) => Promise<void>) | undefined;
  log: Logger;
  onChange?(spooling: boolean): void;
}): OutageHandling {
  const { config, redis, log } = params;
  const keyPrefix = config.redis.keyPrefix;
  const spool = createSpool({ dir: spoolDirOf({ spoolDir: config.redis.spoolDir, configFile: params.configFile, keyPrefix, redisUrl: config.redis.url }) });
  const checkpoints = new Map<number, CheckpointStore>();
  const queueAdd = (anomalies: Anomaly[]) => {
    const add = params.queueAdd();
    if (!add) throw new Error('the anomaly queue is not started yet');
    return add(anomalies);
  };
  const apply = createSpoolReplayer({ redis, keyPrefix, checkpoints, incidents: params.incidents, enqueue: queueAdd, current: params.current, log });
  const mode = createOutageMode({ redis, spool, apply, log, onChange: params.onChange });
  const offlinePausers = new Map<number, GuardianPauser>();
  const direct = createDirectContainment({ current: params.current, pausers: offlinePausers, mode, applyNow: apply, log });

  return {
    mode,
    direct,
    async enqueue(chainId, anomalies) {
      await mode.write({ kind: 'anomalies', chainId, anomalies }, () => queueAdd(anomalies));
    },
    checkpoint(chainId, inner) {
      checkpoints.set(chainId, inner);
      return spoolingCheckpoint({ inner, mode, chainId });
    },
    detectorState: (chainId) => (inner, detectorId) => spoolingDetectorState({ inner, mode, chainId, detectorId }),
    addOfflinePauser(pauser) {
      const offline = createOfflinePauser({ ...pauser, mode, applyNow: apply });
      if (offline) offlinePausers.set(pauser.chain.id, offline);
      return offline;
    },
    close: () => mode.close(),
  };
}
