import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { channelSchema, type OpsgenieChannelConfig } from '../../src/config/schema-channels.js';
import { hostileMessage, sampleMessage } from '../../test/harness/vendors/messages.js';
import { startOpsgenieStandIn, type OpsgenieStandIn } from '../../test/harness/vendors/opsgenie.js';
import { createOpsgenieChannel } from './opsgenie.js';

let opsgenie: OpsgenieStandIn;
beforeAll(async () => {
  opsgenie = await startOpsgenieStandIn();
});
afterAll(() => opsgenie.close());
beforeEach(() => {
  opsgenie.requests.length = 0;
  opsgenie.alerts.clear();
});

const config = (extra: Record<string, unknown> = {}) =>
  channelSchema.parse({ id: 'og', kind: 'opsgenie', apiKeyEnv: 'OPSGENIE_API_KEY', apiUrl: opsgenie.apiUrl, responders: [{ type: 'team', name: 'protocol-oncall' }], ...extra }) as OpsgenieChannelConfig;
const channel = (extra: Record<string, unknown> = {}, apiKey = opsgenie.apiKey) => createOpsgenieChannel({ config: config(extra), secrets: { apiKey }, policy: { baseDelayMs: 10 } });

describe('opsgenie channel', () => {
  it('creates the alert with alias = incident id, notes containment, acknowledges and closes it by alias', async () => {
    const og = channel();
    const incident = sampleMessage({ event: 'incident.opened', status: 'open', actions: undefined });
    expect(await og.send(incident)).toEqual({ ok: true, attempts: 1, status: 202 });
    await og.send({ ...incident, event: 'incident.contained', status: 'contained', actions: sampleMessage().actions });
    await og.send({ ...incident, event: 'incident.acknowledged', actor: { name: 'alice' } });
    await og.send({ ...incident, event: 'incident.resolved', actor: { name: 'alice', note: 'root cause fixed' } });
    expect(opsgenie.requests.map((request) => [request.path, request.query, request.problems, request.headers.authorization])).toEqual([
      ['/v2/alerts', {}, [], `GenieKey ${opsgenie.apiKey}`],
      [`/v2/alerts/${incident.incidentId}/notes`, { identifierType: 'alias' }, [], `GenieKey ${opsgenie.apiKey}`],
      [`/v2/alerts/${incident.incidentId}/acknowledge`, { identifierType: 'alias' }, [], `GenieKey ${opsgenie.apiKey}`],
      [`/v2/alerts/${incident.incidentId}/close`, { identifierType: 'alias' }, [], `GenieKey ${opsgenie.apiKey}`],
    ]);
    expect(opsgenie.alerts.get(incident.incidentId)).toMatchObject({ status: 'closed', acknowledged: true, acknowledgedBy: 'alice', priority: 'P1', log: ['create', 'notes', 'acknowledge', 'close'] });
    expect(opsgenie.requests[0]!.json).toMatchObject({
      message: 'CRITICAL incident opened: lendco on mainnet',
      alias: incident.incidentId,
      responders: [{ type: 'team', name: 'protocol-oncall' }],
      tags: ['warden'],
      entity: 'lendco',
      source: 'warden',
      priority: 'P1',
      details: { event: 'incident.opened', detector: 'pool-drain', block: '19000000' },
    });
  });

  it('a second create for the same incident is de-duplicated by alias (escalation)', async () => {
    await channel().send(sampleMessage({ event: 'incident.opened' }));
    await channel().send(sampleMessage({ event: 'incident.escalated', escalation: { level: 2, reason: 'not acknowledged within 10 min' } }));
    expect(opsgenie.alerts.size).toBe(1);
    expect([...opsgenie.alerts.values()][0]!.count).toBe(2);
  });

  it('keeps the 130-character message limit and neutralizes chain data', async () => {
    await channel().send(hostileMessage({ event: 'incident.opened', actor: { name: 'x'.repeat(300) } }));
    expect(opsgenie.requests[0]!.problems).toEqual([]);
    expect(JSON.stringify(opsgenie.requests[0]!.json)).not.toMatch(/@everyone|@here|https?:\/\/evil/);
  });

  it('sends to the region\'s API root', async () => {
    const urls: string[] = [];
    const fetchStub = (async (url: string) => {
      urls.push(url);
      return new Response('{"result":"Request will be processed"}', { status: 202 });
    }) as unknown as typeof fetch;
    for (const region of ['us', 'eu']) {
      const og = createOpsgenieChannel({ config: config({ apiUrl: undefined, region }), secrets: { apiKey: opsgenie.apiKey }, fetch: fetchStub });
      await og.send(sampleMessage({ event: 'incident.resolved' }));
    }
    expect(urls).toEqual([
      'https://api.opsgenie.com/v2/alerts/inc_0m5abc12d3e4f5a6b7c8/close?identifierType=alias',
      'https://api.eu.opsgenie.com/v2/alerts/inc_0m5abc12d3e4f5a6b7c8/close?identifierType=alias',
    ]);
  });

  it('a rejected key fails at once; the error has no GenieKey', async () => {
    const result = await channel({}, 'wrong-genie-key-0123456789').send(sampleMessage({ event: 'incident.opened' }));
    expect(result).toEqual({ ok: false, attempts: 1, status: 401, error: 'opsgenie channel og (create): answered HTTP 401: Could not authenticate' });
  });
});
