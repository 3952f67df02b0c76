/**
 * The incident store, in Redis. Per incident:
 *   `${keyPrefix}:incident:${id}`            hash: id, status, severity, protocol, chainId, createdAt, updatedAt
 *   `${keyPrefix}:incident:${id}:anomalies`  list of trigger JSON (anomaly id, block number + hash)
 *   `${keyPrefix}:incident:${id}:contracts`  set of contract names
 *   `${keyPrefix}:incident:${id}:timeline`   list of timeline entry JSON, in append order
 *   `${keyPrefix}:incident:${id}:once`       set of idempotency keys (anomaly ids, `tx-mined:0x…`, …)
 * and `${keyPrefix}:incidents` (zset by createdAt), `${keyPrefix}:incident-open:${protocol}`,
 * `${keyPrefix}:incidents-by-block:${chainId}:${hash}`, `${keyPrefix}:anomaly-incident:${anomalyId}`.
 *
 * Every mutation is one Lua script, so concurrent workers and replicas agree.
 *
 * @example
 * const incidents = createIncidentStore({ redis, keyPrefix: 'warden' });
 * const { incident } = await incidents.openOrJoin({ anomaly, protocol: 'demo', contracts: ['vault'], windowSeconds: 600 });
 * await incidents.append({ incidentId: incident.id, entry: timelineEntry('response-started') });
 */
import type { Redis } from 'ioredis';
import type { Severity } from '../../detectors/types.js';
import { appendScript, openOrJoinScript, setStatusScript } from './scripts.js';
import {
  allowedTransitions,
  incidentStatuses,
  newIncidentId,
  processRunId,
  timelineEntry,
  type Incident,
  type IncidentStatus,
  type IncidentStore,
  type IncidentSummary,
  type TimelineEntry,
  type TriggerBlock,
} from './types.js';

export * from './types.js';

export interface CreateIncidentStoreParameters {
  redis: Redis;
  keyPrefix: string;
}

export class IncidentNotFoundError extends Error {
  override name = 'IncidentNotFoundError';
}

export class IncidentTransitionError extends Error {
  override name = 'IncidentTransitionError';
}

/** Index entries that map blocks and anomalies to incidents live this long (reorgs are far shorter). */
const indexTtlSeconds = 30 * 24 * 3600;

/** An incident summary from its hash, trigger JSONs and contract names (undefined if the hash is gone). */
function toSummary(hash: Record<string, string> | undefined, triggerJsons: string[], contractNames: string[]): IncidentSummary | undefined {
  if (!hash || !hash.id) return undefined;
  const triggers = triggerJsons.map((json) => JSON.parse(json) as TriggerBlock);
  return {
    id: hash.id,
    status: hash.status as IncidentStatus,
    severity: hash.severity as Severity,
    protocol: hash.protocol ?? '',
    chainId: Number(hash.chainId),
    contracts: [...contractNames].sort(),
    anomalyIds: triggers.map((trigger) => trigger.anomalyId),
    triggerBlocks: triggers,
    createdAt: Number(hash.createdAt),
    updatedAt: Number(hash.updatedAt),
  };
}

/** HGETALL's flat [field, value, …] reply from a script, as an object. */
function pairs(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

export function createIncidentStore(params: CreateIncidentStoreParameters): IncidentStore {
  const { redis, keyPrefix } = params;
  const incidentBase = `${keyPrefix}:incident:`;
  const indexKey = `${keyPrefix}:incidents`;
  const key = (id: string, part?: string) => (part ? `${incidentBase}${id}:${part}` : `${incidentBase}${id}`);
  const byBlockKey = (chainId: number, hash: string) => `${keyPrefix}:incidents-by-block:${chainId}:${hash.toLowerCase()}`;

  async function readSummaries(ids: string[]): Promise<IncidentSummary[]> {
    if (ids.length === 0) return [];
    const pipeline = redis.multi();
    for (const id of ids) pipeline.hgetall(key(id)).lrange(key(id, 'anomalies'), 0, -1).smembers(key(id, 'contracts'));
    const results = (await pipeline.exec()) ?? [];
    return ids.flatMap((_, i) => {
      const summary = toSummary(
        results[i * 3]?.[1] as Record<string, string> | undefined,
        (results[i * 3 + 1]?.[1] as string[]) ?? [],
        (results[i * 3 + 2]?.[1] as string[]) ?? [],
      );
      return summary ? [summary] : [];
    });
  }

  const store: IncidentStore = {
    async openOrJoin({ anomaly, protocol, contracts, windowSeconds }) {
      const now = Date.now();
      const trigger: TriggerBlock = {
        anomalyId: anomaly.id,
        detectorId: anomaly.detectorId,
        chainId: anomaly.chainId,
        blockNumber: anomaly.blockNumber,
        blockHash: anomaly.blockHash,
      };
      const entry = timelineEntry('anomaly-detected', {
        anomalyId: anomaly.id,
        detectorId: anomaly.detectorId,
        severity: anomaly.severity,
        chainId: anomaly.chainId,
        blockNumber: anomaly.blockNumber,
        blockHash: anomaly.blockHash,
        txHashes: anomaly.txHashes,
        summary: anomaly.summary,
        // What the detector saw (amounts, addresses), for people and the post-mortem. JSON-safe.
        evidence: anomaly.evidence,
        // When the follower saw the head of the detecting block: the start of head→broadcast latency.
        observedAt: anomaly.observedAt,
      });
      const [id, created, added, hashFlat, triggerJsons, contractNames] = (await redis.eval(
        openOrJoinScript,
        3,
        `${keyPrefix}:incident-open:${protocol}`,
        indexKey,
        `${keyPrefix}:anomaly-incident:${anomaly.id}`,
        incidentBase,
        newIncidentId(now),
        protocol,
        String(anomaly.chainId),
        String(now),
        String(Math.round(windowSeconds * 1000)),
        anomaly.id,
        JSON.stringify(trigger),
        anomaly.severity,
        JSON.stringify(entry),
        byBlockKey(anomaly.chainId, anomaly.blockHash),
        String(indexTtlSeconds),
        ...contracts,
      )) as [string, number, number, string[], string[], string[]];
      const incident = toSummary(pairs(hashFlat), triggerJsons, contractNames);
      if (!incident) throw new IncidentNotFoundError(`incident ${id} vanished right after it was opened`);
      return { incident, created: created === 1, anomalyAdded: added === 1 };
    },

    async append({ incidentId, entry, onceKey }) {
      const result = (await redis.eval(
        appendScript,
        3,
        key(incidentId),
        key(incidentId, 'once'),
        key(incidentId, 'timeline'),
        JSON.stringify(entry),
        onceKey ?? '',
        String(Date.now()),
      )) as number;
      if (result === -1) throw new IncidentNotFoundError(`no incident ${incidentId}`);
      return result === 1;
    },

    async hasOnce({ incidentId, onceKey }) {
      return (await redis.sismember(key(incidentId, 'once'), onceKey)) === 1;
    },

    async claimOnce({ incidentId, onceKey, leaseMs = 60_000 }) {
      // A lease, not a mark: if the claimant dies mid-send, the claim expires and a retry can send.
      return (await redis.set(`${key(incidentId, 'claim')}:${onceKey}`, '1', 'PX', leaseMs, 'NX')) === 'OK';
    },

    async releaseOnce({ incidentId, onceKey }) {
      await redis.del(`${key(incidentId, 'claim')}:${onceKey}`);
    },

    async setStatus({ incidentId, status, reason, runId, actor = 'warden', onlyFrom, by }) {
      if (status === 'open' && actor !== 'human') throw new IncidentTransitionError('an incident never goes back to open on its own');
      if (status === 'resolved' && actor !== 'human') {
        throw new IncidentTransitionError('only a person resolves an incident');
      }
      // Reopening is a person's call, and only of a resolved incident.
      const reachable = (from: IncidentStatus) => (status === 'open' ? from === 'resolved' : allowedTransitions[from].includes(status));
      const fromStatuses = incidentStatuses.filter((from) => reachable(from) && (!onlyFrom || onlyFrom.includes(from)));
      // `from` comes first in data so the script's single "__FROM__" substitution hits it.
      const entry = timelineEntry('status-changed', { from: '__FROM__', to: status, ...(reason ? { reason } : {}), ...(by ? { by } : {}) }, runId ?? processRunId);
      const [result, from] = (await redis.eval(
        setStatusScript,
        2,
        key(incidentId),
        key(incidentId, 'timeline'),
        status,
        fromStatuses.join(','),
        JSON.stringify(entry),
        String(Date.now()),
      )) as [number, string];
      if (result === -2) throw new IncidentNotFoundError(`no incident ${incidentId}`);
      if (result === -1 && onlyFrom && reachable(from as IncidentStatus)) return { changed: false, from: from as IncidentStatus, to: status };
      if (result === -1) throw new IncidentTransitionError(`incident ${incidentId}: ${from} → ${status} is not allowed`);
      return { changed: result === 1, from: from as IncidentStatus, to: status };
    },

    async get(id) {
      const [summary] = await readSummaries([id]);
      if (!summary) return undefined;
      const timeline = (await redis.lrange(key(id, 'timeline'), 0, -1)).map((json) => JSON.parse(json) as TimelineEntry);
      return { ...summary, timeline } satisfies Incident;
    },

    async list({ limit = 50, status } = {}) {
      const out: IncidentSummary[] = [];
      const page = Math.max(limit, 50);
      for (let start = 0; out.length < limit; start += page) {
        const ids = await redis.zrevrange(indexKey, start, start + page - 1);
        if (ids.length === 0) break;
        for (const incident of await readSummaries(ids)) {
          if (!status || incident.status === status) out.push(incident);
          if (out.length >= limit) break;
        }
      }
      return out;
    },

    async incidentForAnomaly(anomalyId) {
      const id = await redis.get(`${keyPrefix}:anomaly-incident:${anomalyId}`);
      return id && (await redis.exists(key(id))) === 1 ? id : undefined;
    },

    async incidentsForBlock({ chainId, blockHash }) {
      return (await redis.smembers(byBlockKey(chainId, blockHash))).sort();
    },

    async annotateReorg({ chainId, droppedHashes, runId }) {
      let appended = 0;
      for (const hash of droppedHashes) {
        for (const incidentId of await store.incidentsForBlock({ chainId, blockHash: hash })) {
          const [incident] = await readSummaries([incidentId]);
          if (!incident) continue;
          const triggers = incident.triggerBlocks.filter(
            (trigger) => trigger.chainId === chainId && trigger.blockHash.toLowerCase() === hash.toLowerCase(),
          );
          const entry = timelineEntry(
            'trigger-reorged-out',
            {
              chainId,
              blockNumber: triggers[0]?.blockNumber,
              blockHash: hash,
              anomalyIds: triggers.map((trigger) => trigger.anomalyId),
              note: 'the block that triggered these anomalies is no longer canonical; nothing was unpaused',
            },
            runId ?? processRunId,
          );
          if (await store.append({ incidentId, entry, onceKey: `reorg:${chainId}:${hash.toLowerCase()}` })) appended += 1;
        }
      }
      return appended;
    },
  };
  return store;
}
