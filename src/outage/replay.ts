/**
 * Replaying spooled entries (spool.ts) into Redis once it answers again. Every step is idempotent,
 * so a replay cut short (Redis gone again, a crash) is simply run again:
 * - checkpoints are applied in spool order but only move forward (CheckpointStore.set: another replica
 *   may be ahead by now), except a reorg's rewind; detector state is SET (expired state is deleted);
 * - an anomaly contained without Redis gets its incident opened (or joined) as the plan runner would,
 *   then the timeline entries of that containment (keyed by their once-keys), its pause record
 *   (merged: never moved back, see mergePauseRecord) and its status;
 * - anomalies go on the queue last (job id = anomaly id: a second add is a no-op), so when the
 *   worker runs the plan it finds the containment already recorded and adds notifications, pages
 *   and anything else the plan says — never a second pause.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Anomaly } from '../../detectors/types.js';
import { mergePauseRecord } from '../../responders/pause-record.js';
import type { CheckpointStore } from '../chain/checkpoint.js';
import type { ResolvedContract } from '../config/contracts.js';
import type { Config } from '../config/schema.js';
import { IncidentTransitionError } from '../incidents/store.js';
import { timelineEntry, type IncidentStore } from '../incidents/types.js';
import { anomalySubject } from '../plan/match.js';
import type { SpoolEntry } from './spool.js';

export interface ReplayTargets {
  redis: Redis;
  keyPrefix: string;
  /** The Redis checkpoint store of each chain (not the spooling one). */
  checkpoints: ReadonlyMap<number, CheckpointStore>;
  incidents: IncidentStore;
  /** The anomaly queue's add. */
  enqueue(anomalies: Anomaly[]): Promise<void>;
  /** The running config: which protocol (incident) an anomaly belongs to. */
  current(): { config: Config; contracts: Map<string, ResolvedContract> };
  log: Logger;
}

/** Placeholder incident id of a pause made without Redis; the replay swaps in the real one. */
export const offlineIncidentId = (anomalyId: string) => `offline-${anomalyId}`;

export function createSpoolReplayer(targets: ReplayTargets): (entries: SpoolEntry[]) => Promise<void> {
  const { redis, keyPrefix, incidents } = targets;

  return async function apply(entries) {
    const anomalies = new Map<string, Anomaly>();
    const incidentOf = new Map<string, string>();
    const queued: Anomaly[] = [];

    async function incidentFor(anomalyId: string): Promise<string | undefined> {
      const known = incidentOf.get(anomalyId) ?? (await incidents.incidentForAnomaly(anomalyId));
      if (known) {
        incidentOf.set(anomalyId, known);
        return known;
      }
      const anomaly = anomalies.get(anomalyId);
      if (!anomaly) return undefined;
      const { config, contracts } = targets.current();
      const joined = await incidents.openOrJoin({ anomaly, ...anomalySubject({ config, contracts, anomaly }), windowSeconds: config.plan.incidentWindow });
      await incidents.append({
        incidentId: joined.incident.id,
        entry: timelineEntry('spool-replayed', { anomalyId, reason: 'detected and contained while Redis was unreachable; these entries come from the local spool' }),
        onceKey: `spool-replayed:${anomalyId}`,
      });
      incidentOf.set(anomalyId, joined.incident.id);
      return joined.incident.id;
    }

    for (const entry of entries) {
      switch (entry.kind) {
        case 'checkpoint': {
          const store = targets.checkpoints.get(entry.chainId);
          // Never moves the checkpoint back (another replica may be ahead), except for a reorg's rewind.
          if (store) await store.set(entry.block, { rewind: entry.rewind });
          break;
        }
        case 'detector-state': {
          const key = `${keyPrefix}:chain:${entry.chainId}:detector:${entry.detectorId}:${entry.key}`;
          const remainingMs = entry.expiresAt === undefined ? undefined : entry.expiresAt - Date.now();
          if (entry.json === undefined || (remainingMs !== undefined && remainingMs <= 0)) await redis.del(key);
          else if (remainingMs !== undefined) await redis.set(key, entry.json, 'PX', remainingMs);
          else await redis.set(key, entry.json);
          break;
        }
        case 'contain-started':
          // Opened now, so entries written straight to Redis after the replay find their incident.
          anomalies.set(entry.anomaly.id, entry.anomaly);
          await incidentFor(entry.anomaly.id);
          break;
        case 'anomalies':
          for (const anomaly of entry.anomalies) anomalies.set(anomaly.id, anomaly);
          queued.push(...entry.anomalies);
          break;
        case 'timeline': {
          const incidentId = await incidentFor(entry.anomalyId);
          if (incidentId) await incidents.append({ incidentId, entry: entry.entry, onceKey: entry.onceKey });
          break;
        }
        case 'pause-record': {
          const incidentId = (await incidentFor(entry.anomalyId)) ?? entry.record.incidentId;
          await mergePauseRecord({ redis, recordKey: entry.recordKey, record: { ...entry.record, incidentId } });
          break;
        }
        case 'reorg':
          await incidents.annotateReorg({ chainId: entry.chainId, droppedHashes: entry.droppedHashes });
          break;
        case 'contained': {
          const incidentId = await incidentFor(entry.anomalyId);
          if (!incidentId) break;
          try {
            await incidents.setStatus({ incidentId, status: 'contained' });
          } catch (error) {
            // A person resolved it meanwhile: their word stands.
            if (!(error instanceof IncidentTransitionError)) throw error;
          }
          break;
        }
      }
    }
    if (queued.length > 0) await targets.enqueue(queued);
    targets.log.info({ entries: entries.length, anomalies: queued.length, incidents: incidentOf.size }, 'spool entries replayed into Redis');
  };
}
