import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { channelSchema, type PagerDutyChannelConfig } from '../../src/config/schema-channels.js';
import { hostileMessage, sampleMessage } from '../../test/harness/vendors/messages.js';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../../test/harness/vendors/pagerduty.js';
import { createPagerDutyChannel } from './pagerduty.js';

let pagerduty: PagerDutyStandIn;
beforeAll(async () => {
  pagerduty = await startPagerDutyStandIn();
});
afterAll(() => pagerduty.close());
beforeEach(() => {
  pagerduty.requests.length = 0;
  pagerduty.events.length = 0;
  pagerduty.alerts.clear();
});

const config = (extra: Record<string, unknown> = {}) =>
  channelSchema.parse({ id: 'page-primary', kind: 'pagerduty', routingKeyEnv: 'PAGERDUTY_ROUTING_KEY', eventsUrl: pagerduty.eventsUrl, ...extra }) as PagerDutyChannelConfig;
const channel = (extra: Record<string, unknown> = {}, routingKey = pagerduty.routingKey) => createPagerDutyChannel({ config: config(extra), secrets: { routingKey }, policy: { baseDelayMs: 10 } });

describe('pagerduty channel', () => {
  it('the page follows the incident: trigger, acknowledge and resolve share dedup_key = incident id', async () => {
    const pd = channel({ source: 'warden-mainnet' });
    const incident = sampleMessage({ event: 'incident.opened', status: 'open', actions: undefined });
    expect(await pd.send(incident)).toEqual({ ok: true, attempts: 1, status: 202 });
    expect(await pd.send({ ...incident, event: 'incident.contained', status: 'contained', actions: sampleMessage().actions })).toMatchObject({ ok: true });
    expect(await pd.send({ ...incident, event: 'incident.acknowledged', actor: { name: 'alice' } })).toMatchObject({ ok: true });
    expect(await pd.send({ ...incident, event: 'incident.resolved', actor: { name: 'alice', note: 'fixed' } })).toMatchObject({ ok: true });
    expect(pagerduty.requests.map((request) => request.problems)).toEqual([[], [], [], []]);
    expect(pagerduty.events.map((event) => [event.event_action, event.dedup_key])).toEqual([
      ['trigger', incident.incidentId],
      ['trigger', incident.incidentId],
      ['acknowledge', incident.incidentId],
      ['resolve', incident.incidentId],
    ]);
    expect([...pagerduty.alerts.values()]).toEqual([
      expect.objectContaining({ dedupKey: incident.incidentId, status: 'resolved', log: ['trigger', 'trigger', 'acknowledge', 'resolve'], summary: 'Contained: lendco on mainnet is paused: pool lost 40% of its USDC in one block' }),
    ]);
    // acknowledge and resolve carry exactly what PagerDuty documents for them.
    expect(pagerduty.events[2]).toEqual({ routing_key: pagerduty.routingKey, dedup_key: incident.incidentId, event_action: 'acknowledge' });
  });

  it('a trigger carries the documented payload: summary, source, severity mapping, timestamp, links, details', async () => {
    for (const [severity, expected] of [['critical', 'critical'], ['high', 'error'], ['medium', 'warning'], ['low', 'info'], ['info', 'info']] as const) {
      await channel().send(sampleMessage({ severity }));
      expect(pagerduty.events.at(-1)!.payload).toMatchObject({ severity: expected });
    }
    const event = pagerduty.events[0]!;
    expect(event).toMatchObject({
      client: 'warden',
      payload: { source: 'warden', component: 'lendco', group: 'lendco', class: 'pool-drain', timestamp: '2025-01-02T03:04:05.000Z' },
    });
    expect((event.links as { href: string }[]).map((link) => link.href)).toContain(`https://etherscan.io/tx/0x${'1a'.repeat(32)}`);
    expect((event.payload as { custom_details: Record<string, unknown> }).custom_details['What warden did']).toEqual([
      `pool-pause paused in block 19000001 (https://etherscan.io/block/19000001), tx 0x3c3c3c3c…3c3c3c (https://etherscan.io/tx/0x${'3c'.repeat(32)})`,
    ]);
  });

  it('neutralizes chain data in the plain-text fields (PagerDuty reposts them to chat)', async () => {
    await channel().send(hostileMessage());
    const text = JSON.stringify(pagerduty.events[0]);
    expect(text).not.toMatch(/@everyone|@here|https?:\/\/evil/);
    expect(text).toContain('@\u200beveryone');
    expect(text).not.toContain('<!channel>');
  });

  it('a 400 is not retried; the error keeps PagerDuty\'s reason and never the routing key', async () => {
    const result = await channel({}, 'too-short-key-0123456789').send(sampleMessage());
    expect(result).toEqual({ ok: false, attempts: 1, status: 400, error: "pagerduty channel page-primary: answered HTTP 400: Event object is invalid [\"'routing_key' must be a 32 character string\"]" });
    expect(result.error).not.toContain('too-short-key');
  });
});
