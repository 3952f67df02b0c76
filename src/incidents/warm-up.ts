/**
 * Start-up warm-up of the incident path: opens and appends to a throwaway incident under
 * `${keyPrefix}:warmup`, then deletes every key it wrote. The first real incident then finds the Lua
 * scripts cached in Redis and the JavaScript compiled, instead of paying ~5-10 ms during an attack.
 */
import type { Redis } from 'ioredis';
import type { Anomaly } from '../../detectors/types.js';
import { createIncidentStore } from './store.js';
import { timelineEntry } from './types.js';

export async function warmUpIncidentStore(params: { redis: Redis; keyPrefix: string }): Promise<void> {
  const prefix = `${params.keyPrefix}:warmup`;
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
  try {
    const { incident } = await store.openOrJoin({ anomaly, protocol: 'warmup', contracts: ['warmup'], windowSeconds: 1 });
    await store.append({ incidentId: incident.id, entry: timelineEntry('response-started', { warmup: true }), onceKey: 'warmup' });
    await store.get(incident.id);
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await params.redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 100);
      cursor = next;
      if (keys.length > 0) await params.redis.del(...keys);
    } while (cursor !== '0');
  }
}
