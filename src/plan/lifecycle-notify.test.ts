/**
 * notifyLifecycle against a real redis-server and an Opsgenie stand-in: the alert created when the
 * incident opened is acknowledged and closed by alias = incident id; only the plan's channels are told.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannels, messageFromIncident } from '../../responders/notify/index.js';
import { makeAnomaly } from '../../responders/test/anomaly-fixture.js';
import { startOpsgenieStandIn, type OpsgenieStandIn } from '../../test/harness/vendors/opsgenie.js';
import { loadEdited } from '../config/test-helpers.js';
import { startRedisServer, type ManagedProcess } from '../drill/processes.js';
import { createIncidentStore, type IncidentStore } from '../incidents/store.js';
import { notifyLifecycle, planChannelIds } from './lifecycle-notify.js';

let server: ManagedProcess;
let redis: Redis;
let store: IncidentStore;
let opsgenie: OpsgenieStandIn;

beforeAll(async () => {
  [server, opsgenie] = await Promise.all([startRedisServer(), startOpsgenieStandIn()]);
  redis = new Redis(server.url);
  store = createIncidentStore({ redis, keyPrefix: 'lifecycle-notify' });
}, 30_000);
afterAll(async () => {
  redis?.disconnect();
  await Promise.all([server?.stop(), opsgenie?.close()]);
});

const config = () =>
  loadEdited((c) => {
    c.responders.channels = [
      { id: 'ops-genie', kind: 'opsgenie', apiKeyEnv: 'OPSGENIE_API_KEY', apiUrl: opsgenie.apiUrl },
      { id: 'spare', kind: 'slack', webhookUrlEnv: 'SPARE_SLACK_URL' },
    ];
    c.responders.webhooks = [{ id: 'relay', url: 'https://hooks.example/x' }];
    c.plan.rules[0].steps.push({ notify: 'relay' }, { notify: 'ops-genie' });
    c.plan.rules[1].steps.push({ notify: 'ops-genie' });
  }).config;

describe('notifyLifecycle', () => {
  it('tells only the channels plan steps name, once each (not webhooks, not unused channels)', () => {
    expect(planChannelIds(config())).toEqual(['ops-genie']);
  });

  it('acknowledges and closes the Opsgenie alert by alias, recording each send with who', async () => {
    const anomaly = makeAnomaly();
    const { incident } = await store.openOrJoin({ anomaly, protocol: 'demo', contracts: ['vault'], windowSeconds: 600 });
    const cfg = config();
    // The unused slack channel's secret is unset: only the plan's channels' secrets are loaded.
    const env = { OPSGENIE_API_KEY: opsgenie.apiKey };
    const channels = createChannels({ configs: cfg.responders.channels.slice(0, 1), secrets: new Map([['ops-genie', { apiKey: opsgenie.apiKey }]]) });
    await channels.get('ops-genie')!.send(messageFromIncident({ event: 'incident.opened', incident, chainName: 'anvil', anomaly }));
    expect(opsgenie.alerts.get(incident.id)?.log).toEqual(['create']);

    const acked = await notifyLifecycle({ config: cfg, incidents: store, incidentId: incident.id, event: 'incident.acknowledged', actor: { name: 'alice' }, env });
    expect(acked).toEqual([{ channel: 'ops-genie', kind: 'opsgenie', ok: true }]);
    expect(opsgenie.alerts.get(incident.id)).toMatchObject({ acknowledged: true, status: 'open' });
    await store.setStatus({ incidentId: incident.id, status: 'resolved', actor: 'human', by: 'bob', reason: 'fixed' });
    await notifyLifecycle({ config: cfg, incidents: store, incidentId: incident.id, event: 'incident.resolved', actor: { name: 'bob', note: 'fixed' }, env });
    expect(opsgenie.alerts.get(incident.id)).toMatchObject({ status: 'closed', log: ['create', 'acknowledge', 'close'] });
    expect(opsgenie.requests.slice(1).map((request) => [request.path, request.query.identifierType, request.problems])).toEqual([
      [`/v2/alerts/${incident.id}/acknowledge`, 'alias', []],
      [`/v2/alerts/${incident.id}/close`, 'alias', []],
    ]);
    const sent = (await store.get(incident.id))!.timeline.filter((entry) => entry.type === 'notification-sent').map((entry) => entry.data);
    expect(sent).toEqual([
      { channel: 'ops-genie', kind: 'opsgenie', event: 'incident.acknowledged', by: 'alice', httpStatus: 202, attempts: 1 },
      { channel: 'ops-genie', kind: 'opsgenie', event: 'incident.resolved', by: 'bob', httpStatus: 202, attempts: 1 },
    ]);
  });
});
