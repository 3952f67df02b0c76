/**
 * Start-up warm-up of the incident path: opens and appends to a throwaway incident under a prefix of
 * this process's own (`${keyPrefix}:warmup:<run id>-<random>`, so warm-ups running together never
 * touch each other's keys), then deletes exactly the keys the store wrote. The first real incident then finds the Lua
 * scripts cached in Redis and the JavaScript compiled, instead of paying ~5-10 ms during an attack.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Anomaly } from '../../detectors/types.js';
import { createIncidentStore } from './store.js';
import { processRunId } from '../run-id.js';
import { timelineEntry } from './types.js';

export async function warmUpIncidentStore(params: { redis: Redis; keyPrefix: string }): Promise<void> {
  const prefix = `${params.keyPrefix}:warmup:${processRunId}-${randomBytes(4).toString('hex')}`;
  const store = createIncidentStore({ redis: params.redis, keyPrefix: prefix });
  const anomaly: Anomaly = {
    id: 'an_warmup',
    detectorId: 'warmup',
    kind: 'warmup',
    severity: 'info',
    chainId: 0,
    blockNumber: 0,
    blockHash: `0x${'0'.repeat(64)}`,
    txHashes: [],
    summary: 'warm-up',
    evidence: {},
    addresses: [],
    observedAt: { wallMs: Date.now(), monoNs: process.hrtime.bigint().toString(), runId: 'warmup' },
  };
  let incidentId: string | undefined;
  try {
    ({ incident: { id: incidentId } } = await store.openOrJoin({ anomaly, protocol: 'warmup', contracts: ['warmup'], windowSeconds: 1 }));
    await store.append({ incidentId, entry: timelineEntry('response-started', { warmup: true }), onceKey: 'warmup' });
    await store.get(incidentId);
  } finally {
    // The keys the store writes for one incident (see the key list at the top of store.ts).
    const incidentKeys = incidentId ? ['', ':anomalies', ':contracts', ':timeline', ':once'].map((part) => `${prefix}:incident:${incidentId}${part}`) : [];
    await params.redis.del(
      ...incidentKeys,
      `${prefix}:incidents`,
      `${prefix}:incident-open:warmup`,
      `${prefix}:incidents-by-block:0:${anomaly.blockHash}`,
      `${prefix}:anomaly-incident:${anomaly.id}`,
    );
  }
}
