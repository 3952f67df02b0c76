import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type ManagedProcess } from '../drill/processes.js';
import { makeAnomaly } from '../../responders/test/anomaly-fixture.js';
import { createIncidentStore, timelineEntry, type IncidentStore } from './store.js';

let server: ManagedProcess;
let redis: Redis;
let other: Redis;
let prefixCounter = 0;

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
  other = new Redis(server.url);
});

afterAll(async () => {
  redis?.disconnect();
  other?.disconnect();
  await server?.stop();
});

function stores(): [IncidentStore, IncidentStore] {
  const keyPrefix = `t${++prefixCounter}`;
  return [createIncidentStore({ redis, keyPrefix }), createIncidentStore({ redis: other, keyPrefix })];
}

describe('incident store', () => {
  it('opens one incident when two workers race on the same protocol', async () => {
    const [a, b] = stores();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).openOrJoin({ anomaly: makeAnomaly(), protocol: 'demo', contracts: ['vault'], windowSeconds: 600 }),
      ),
    );
    expect(new Set(results.map((r) => r.incident.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const incident = await a.get(results[0]!.incident.id);
    expect(incident?.anomalyIds).toHaveLength(10);
    expect(incident?.timeline.filter((e) => e.type === 'anomaly-detected')).toHaveLength(10);
    expect(incident?.id).toMatch(/^inc_[0-9a-z]+$/);
  });

  it('adds an anomaly once however often it joins, and keeps the highest severity', async () => {
    const [store] = stores();
    const first = makeAnomaly({ severity: 'medium' });
    const opened = await store.openOrJoin({ anomaly: first, protocol: 'demo', contracts: ['vault'], windowSeconds: 600 });
    const again = await store.openOrJoin({ anomaly: first, protocol: 'demo', contracts: ['vault'], windowSeconds: 600 });
    expect(again).toMatchObject({ created: false, anomalyAdded: false });
    await store.openOrJoin({ anomaly: makeAnomaly({ severity: 'critical' }), protocol: 'demo', contracts: ['token'], windowSeconds: 600 });
    await store.openOrJoin({ anomaly: makeAnomaly({ severity: 'low' }), protocol: 'demo', contracts: ['vault'], windowSeconds: 600 });
    const incident = (await store.get(opened.incident.id))!;
    expect(incident.anomalyIds).toHaveLength(3);
    expect(incident.severity).toBe('critical');
    expect(incident.contracts).toEqual(['token', 'vault']);
    expect(incident.triggerBlocks[0]).toMatchObject({ anomalyId: first.id, blockHash: first.blockHash, blockNumber: first.blockNumber });
  });

  it('finds the incident an anomaly joined', async () => {
    const [store] = stores();
    const anomaly = makeAnomaly();
    expect(await store.incidentForAnomaly(anomaly.id)).toBeUndefined();
    const { incident } = await store.openOrJoin({ anomaly, protocol: 'demo', contracts: ['vault'], windowSeconds: 600 });
    expect(await store.incidentForAnomaly(anomaly.id)).toBe(incident.id);
  });

  it('separates protocols, and opens a new incident after the window or once resolved', async () => {
    const [store] = stores();
    const a = await store.openOrJoin({ anomaly: makeAnomaly(), protocol: 'one', contracts: [], windowSeconds: 600 });
    const b = await store.openOrJoin({ anomaly: makeAnomaly(), protocol: 'two', contracts: [], windowSeconds: 600 });
    expect(a.incident.id).not.toBe(b.incident.id);
    const c = await store.openOrJoin({ anomaly: makeAnomaly(), protocol: 'three', contracts: [], windowSeconds: 0.05 });
    await new Promise((resolve) => setTimeout(resolve, 80));
    const d = await store.openOrJoin({ anomaly: makeAnomaly(), protocol: 'three', contracts: [], windowSeconds: 0.05 });
    expect(d.created).toBe(true);
    expect(d.incident.id).not.toBe(c.incident.id);
    await store.setStatus({ incidentId: a.incident.id, status: 'resolved', actor: 'human' });
    const e = await store.openOrJoin({ anomaly: makeAnomaly(), protocol: 'one', contracts: [], windowSeconds: 600 });
    expect(e.created).toBe(true);
    const listed = await store.list({ limit: 10 });
    expect(listed.map((i) => i.id)).toEqual([...listed.map((i) => i.id)].sort().reverse());
    expect((await store.list({ status: 'resolved' })).map((i) => i.id)).toEqual([a.incident.id]);
  });

  it('keeps the timeline in append order with monotonic times', async () => {
    const [store] = stores();
    const { incident } = await store.openOrJoin({ anomaly: makeAnomaly(), protocol: 'demo', contracts: [], windowSeconds: 600 });
    for (const type of ['response-started', 'tx-prepared', 'tx-broadcast', 'tx-mined', 'verified-paused'] as const) {
      await store.append({ incidentId: incident.id, entry: timelineEntry(type, { n: type }) });
    }
    expect(await store.append({ incidentId: incident.id, entry: timelineEntry('tx-mined'), onceKey: 'tx-mined:0x1' })).toBe(true);
    expect(await store.append({ incidentId: incident.id, entry: timelineEntry('tx-mined'), onceKey: 'tx-mined:0x1' })).toBe(false);
    const timeline = (await store.get(incident.id))!.timeline;
    expect(timeline.map((e) => e.type)).toEqual([
      'anomaly-detected', 'response-started', 'tx-prepared', 'tx-broadcast', 'tx-mined', 'verified-paused', 'tx-mined',
    ]);
    const mono = timeline.map((e) => BigInt(e.monoNs));
    expect(mono.every((t, i) => i === 0 || t > mono[i - 1]!)).toBe(true);
    await expect(store.append({ incidentId: 'inc_missing', entry: timelineEntry('tx-mined') })).rejects.toThrow(/no incident/);
  });

  it('claims a once-key for one caller at a time, as a lease that expires if its holder dies', async () => {
    const [store, otherReplica] = stores();
    const { incident } = await store.openOrJoin({ anomaly: makeAnomaly(), protocol: 'demo', contracts: [], windowSeconds: 600 });
    const claims = await Promise.all([store, otherReplica, store].map((s) => s.claimOnce({ incidentId: incident.id, onceKey: 'page', leaseMs: 150 })));
    expect(claims.filter(Boolean)).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 250)); // the holder "died" without releasing
    expect(await otherReplica.claimOnce({ incidentId: incident.id, onceKey: 'page', leaseMs: 150 })).toBe(true);
    await otherReplica.releaseOnce({ incidentId: incident.id, onceKey: 'page' });
    expect(await store.claimOnce({ incidentId: incident.id, onceKey: 'page' })).toBe(true);
  });

  it('guards status transitions', async () => {
    const [store] = stores();
    const { incident } = await store.openOrJoin({ anomaly: makeAnomaly(), protocol: 'demo', contracts: [], windowSeconds: 600 });
    expect(await store.setStatus({ incidentId: incident.id, status: 'contained' })).toEqual({ changed: true, from: 'open', to: 'contained' });
    expect((await store.setStatus({ incidentId: incident.id, status: 'contained' })).changed).toBe(false);
    // onlyFrom: an abandoned response does not overwrite a containment that happened meanwhile.
    expect(await store.setStatus({ incidentId: incident.id, status: 'containment-failed', onlyFrom: ['open'] })).toEqual({ changed: false, from: 'contained', to: 'containment-failed' });
    await expect(store.setStatus({ incidentId: incident.id, status: 'open' })).rejects.toThrow(/never goes back to open/);
    await expect(store.setStatus({ incidentId: incident.id, status: 'resolved' })).rejects.toThrow(/only a person/);
    await store.setStatus({ incidentId: incident.id, status: 'resolved', actor: 'human' });
    await expect(store.setStatus({ incidentId: incident.id, status: 'contained' })).rejects.toThrow(/not allowed/);
    const changes = (await store.get(incident.id))!.timeline.filter((e) => e.type === 'status-changed');
    expect(changes.map((e) => e.data)).toEqual([{ from: 'open', to: 'contained' }, { from: 'contained', to: 'resolved' }]);
  });

  it('annotates incidents whose trigger block was reorged out, once, without changing status', async () => {
    const [store] = stores();
    const anomaly = makeAnomaly();
    const { incident } = await store.openOrJoin({ anomaly, protocol: 'demo', contracts: [], windowSeconds: 600 });
    await store.setStatus({ incidentId: incident.id, status: 'contained' });
    expect(await store.incidentsForBlock({ chainId: anomaly.chainId, blockHash: anomaly.blockHash })).toEqual([incident.id]);
    const dropped = [anomaly.blockHash, `0x${'ab'.repeat(32)}`];
    expect(await store.annotateReorg({ chainId: anomaly.chainId, droppedHashes: dropped })).toBe(1);
    expect(await store.annotateReorg({ chainId: anomaly.chainId, droppedHashes: dropped })).toBe(0);
    const after = (await store.get(incident.id))!;
    expect(after.status).toBe('contained');
    const reorged = after.timeline.filter((e) => e.type === 'trigger-reorged-out');
    expect(reorged).toHaveLength(1);
    expect(reorged[0]!.data).toMatchObject({ blockNumber: anomaly.blockNumber, blockHash: anomaly.blockHash, anomalyIds: [anomaly.id] });
  });
});
