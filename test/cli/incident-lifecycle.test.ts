/**
 * The incident lifecycle through the real `warden` binary against a real redis-server: ack, note,
 * resolve, reopen and postmortem, each recorded in the timeline with who and when.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAnomaly } from '../../responders/test/anomaly-fixture.js';
import { startRedisServer, type ManagedProcess } from '../../src/drill/processes.js';
import { createIncidentStore, type IncidentStore } from '../../src/incidents/store.js';
import { runCli, scratchDir } from './cli.js';

let server: ManagedProcess;
let redis: Redis;
let store: IncidentStore;
let incidentId: string;
const scratch = scratchDir();
const keyPrefix = 'lifecycle';
const storeArgs = () => ['--redis', server.url, '--key-prefix', keyPrefix];

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
  store = createIncidentStore({ redis, keyPrefix });
  const anomaly = makeAnomaly({ summary: 'vault drained [click](http://evil.example) <b>now</b>', evidence: { dropped: '1000' } });
  const { incident } = await store.openOrJoin({ anomaly, protocol: 'demo', contracts: ['vault'], windowSeconds: 600 });
  incidentId = incident.id;
  await store.setStatus({ incidentId, status: 'contained' });
}, 30_000);
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
  scratch.cleanup();
});

const types = async () => (await store.get(incidentId))!.timeline.map((entry) => entry.type);

describe('warden incidents ack | note | resolve | reopen | postmortem', () => {
  it('records an acknowledgement with who, once per person', async () => {
    const first = await runCli(['incidents', 'ack', incidentId, '--by', 'alice', ...storeArgs()]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`acknowledged ${incidentId} as alice`);
    const again = await runCli(['incidents', 'ack', incidentId, '--by', 'alice', ...storeArgs()]);
    expect(again.stdout).toContain('already acknowledged by alice');
    const acks = (await store.get(incidentId))!.timeline.filter((entry) => entry.type === 'acknowledged');
    expect(acks.map((entry) => entry.data.by)).toEqual(['alice']);
    expect(acks[0]!.at).toBeGreaterThan(0);
  });

  it('records a note, then resolve and reopen with who and why', async () => {
    expect((await runCli(['incidents', 'note', incidentId, 'root', 'cause:', 'withdrawTo', '--by', 'bob', ...storeArgs()])).code).toBe(0);
    const resolved = await runCli(['incidents', 'resolve', incidentId, '--summary', 'vault patched and unpaused', '--by', 'alice', ...storeArgs()]);
    expect(resolved.code, resolved.stderr).toBe(0);
    expect((await store.get(incidentId))!.status).toBe('resolved');
    const reopened = await runCli(['incidents', 'reopen', incidentId, '--by', 'carol', '--reason', 'second drain seen', ...storeArgs()]);
    expect(reopened.code, reopened.stderr).toBe(0);
    const incident = (await store.get(incidentId))!;
    expect(incident.status).toBe('open');
    expect(incident.timeline.find((entry) => entry.type === 'note')!.data).toMatchObject({ by: 'bob', text: 'root cause: withdrawTo' });
    const changes = incident.timeline.filter((entry) => entry.type === 'status-changed').map((entry) => entry.data);
    expect(changes.slice(-2)).toEqual([
      { from: 'contained', to: 'resolved', reason: 'vault patched and unpaused', by: 'alice' },
      { from: 'resolved', to: 'open', reason: 'second drain seen', by: 'carol' },
    ]);
  });

  it('refuses what makes no sense, saying why', async () => {
    const { incident: contained } = await store.openOrJoin({ anomaly: makeAnomaly(), protocol: 'other', contracts: [], windowSeconds: 600 });
    await store.setStatus({ incidentId: contained.id, status: 'contained' });
    const reopenContained = await runCli(['incidents', 'reopen', contained.id, '--by', 'carol', ...storeArgs()]);
    expect(reopenContained.code).toBe(1);
    expect(reopenContained.stderr).toContain('is not resolved, so there is nothing to reopen');
    expect((await store.get(contained.id))!.status).toBe('contained');
    const missing = await runCli(['incidents', 'ack', 'inc_nope', '--by', 'alice', ...storeArgs()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no incident inc_nope');
    const noBy = await runCli(['incidents', 'ack', incidentId, ...storeArgs()]);
    expect(noBy.code).toBe(2);
    expect(noBy.stderr).toContain('--by');
    const emptySummary = await runCli(['incidents', 'resolve', incidentId, '--summary', ' ', ...storeArgs()]);
    expect(emptySummary.code).toBe(1);
    expect(await types()).not.toContain('tx-mined');
  });

  it('writes the post-mortem to a file, with chain text escaped and the people in it', async () => {
    const out = scratch.path('postmortem.md');
    const result = await runCli(['incidents', 'postmortem', incidentId, '--out', out, '--explorer', 'https://explorer.example', ...storeArgs()]);
    expect(result.code, result.stderr).toBe(0);
    const markdown = readFileSync(out, 'utf8');
    expect(markdown).toContain(`# Post-mortem: demo incident ${incidentId}`);
    expect(markdown).toContain('acknowledged by alice');
    expect(markdown).toContain('note by bob: root cause: withdrawTo');
    // The hostile summary stays inside a code span: no live link, no HTML.
    expect(markdown).toContain('`vault drained [click](http://evil.example) <b>now</b>`');
    expect(markdown.split('[click](').length - 1).toBe(markdown.split('`vault drained [click](http://evil.example) <b>now</b>`').length - 1);
    expect(markdown).toContain('`dropped` `"1000"`');
  });
});
