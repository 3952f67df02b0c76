/**
 * The page follows the incident, through the real `warden` binary: a PagerDuty alert triggered by the
 * plan's notify step is acknowledged by `warden incidents ack --config FILE` and resolved by
 * `warden incidents resolve --config FILE` (same dedup_key), Slack hears both, every send is in the
 * timeline. Real redis-server, PagerDuty and Slack stand-ins that validate the documented payloads.
 */
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createChannels } from '../../responders/notify/index.js';
import { makeAnomaly } from '../../responders/test/anomaly-fixture.js';
import { loadConfig } from '../../src/config/load.js';
import { startRedisServer, type ManagedProcess } from '../../src/drill/processes.js';
import { createIncidentStore, type IncidentStore } from '../../src/incidents/store.js';
import { notificationPayload } from '../../src/plan/notification.js';
import { createPlanNotifier } from '../../src/plan/notify.js';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../harness/vendors/pagerduty.js';
import { startSlackStandIn, type SlackStandIn } from '../harness/vendors/slack.js';
import { drillConfigPath, runCli, scratchDir } from './cli.js';

let server: ManagedProcess;
let redis: Redis;
let store: IncidentStore;
let pager: PagerDutyStandIn;
let slack: SlackStandIn;
let configPath: string;
let keyPrefix: string;
const scratch = scratchDir();
const env = () => ({ REDIS_URL: server.url, PAGERDUTY_ROUTING_KEY: pager.routingKey, SLACK_WEBHOOK_URL: slack.webhookUrl });

beforeAll(async () => {
  [server, pager, slack] = await Promise.all([startRedisServer(), startPagerDutyStandIn(), startSlackStandIn()]);
  redis = new Redis(server.url);
  const config = parse(readFileSync(drillConfigPath, 'utf8'));
  config.chains[0].explorerUrl = 'https://explorer.example';
  config.responders.channels = [
    { id: 'oncall-pager', kind: 'pagerduty', routingKeyEnv: 'PAGERDUTY_ROUTING_KEY', eventsUrl: pager.eventsUrl, timeout: '2s', retryFor: '2s' },
    { id: 'war-room', kind: 'slack', webhookUrlEnv: 'SLACK_WEBHOOK_URL' },
    // No plan step names it, so it is not told, and its (unset) secret is not needed.
    { id: 'spare', kind: 'opsgenie', apiKeyEnv: 'SPARE_OPSGENIE_KEY' },
  ];
  config.plan.rules[0].steps.push({ notify: 'oncall-pager' }, { notify: 'war-room' });
  configPath = scratch.write('warden.yaml', stringify(config));
  keyPrefix = (await loadConfig({ path: configPath, env: env() })).config.redis.keyPrefix;
  store = createIncidentStore({ redis, keyPrefix });
}, 30_000);
afterAll(async () => {
  redis?.disconnect();
  await Promise.all([server?.stop(), pager?.close(), slack?.close()]);
  scratch.cleanup();
});
beforeEach(() => {
  for (const stand of [pager, slack]) {
    stand.requests.length = 0;
    stand.script.length = 0;
  }
  pager.events.length = 0;
});

/** An open incident whose page was triggered by the plan's notify step (as the runner sends it). */
async function pagedIncident(protocol: string): Promise<string> {
  const anomaly = makeAnomaly({ summary: 'vault drained' });
  const { incident } = await store.openOrJoin({ anomaly, protocol, contracts: ['vault'], windowSeconds: 600 });
  const { config } = await loadConfig({ path: configPath, env: env() });
  const channels = createChannels({ configs: config.responders.channels.slice(0, 1), secrets: new Map([['oncall-pager', { routingKey: pager.routingKey }]]) });
  const payload = notificationPayload({ incident, status: 'open', anomaly, outcomes: undefined, created: true });
  const log = pino({ level: 'silent' }, new Writable({ write: (_chunk, _encoding, done) => done() }));
  await createPlanNotifier({ config, incidents: store, channels }).notify({ targetId: 'oncall-pager', incident, status: 'open', anomaly, outcomes: undefined, payload, log });
  return incident.id;
}

const sentOf = async (id: string, type: 'notification-sent' | 'notification-failed') =>
  (await store.get(id))!.timeline.filter((entry) => entry.type === type).map((entry) => entry.data);

describe('warden incidents ack | resolve --config: the channels follow the incident', () => {
  it('acknowledges and then resolves the PagerDuty alert with the same dedup_key, and tells Slack', async () => {
    const id = await pagedIncident('demo');
    expect(pager.events.map((event) => [event.event_action, event.dedup_key])).toEqual([['trigger', id]]);

    const ack = await runCli(['incidents', 'ack', id, '--by', 'alice', '--config', configPath], env());
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stdout).toContain(`acknowledged ${id} as alice`);
    expect(ack.stdout).toContain('told oncall-pager (pagerduty)');
    expect(ack.stdout).toContain('told war-room (slack)');
    expect(pager.events[1]).toEqual({ routing_key: pager.routingKey, dedup_key: id, event_action: 'acknowledge' });
    expect(pager.alerts.get(`${pager.routingKey}/${id}`)?.status).toBe('acknowledged');
    expect(slack.requests.map((request) => [request.status, request.problems])).toEqual([[200, []]]);
    expect(slack.messages.at(-1)!.payload.text).toBe('Acknowledged by alice: demo on anvil');

    const resolve = await runCli(['incidents', 'resolve', id, '--summary', 'vault patched', '--by', 'bob', '--config', configPath], env());
    expect(resolve.code, resolve.stderr).toBe(0);
    expect(pager.events[2]).toEqual({ routing_key: pager.routingKey, dedup_key: id, event_action: 'resolve' });
    expect(pager.alerts.get(`${pager.routingKey}/${id}`)).toMatchObject({ status: 'resolved', log: ['trigger', 'acknowledge', 'resolve'] });
    expect(pager.requests.every((request) => request.problems.length === 0)).toBe(true);

    const sent = await sentOf(id, 'notification-sent');
    expect(sent).toHaveLength(5);
    expect(sent[0]).toEqual({ channel: 'oncall-pager', kind: 'pagerduty', event: 'incident.opened', httpStatus: 202, attempts: 1 });
    // The channels are told at once, so their entries of one event may land in either order.
    expect(sent).toEqual(expect.arrayContaining([
      { channel: 'oncall-pager', kind: 'pagerduty', event: 'incident.opened', httpStatus: 202, attempts: 1 },
      expect.objectContaining({ channel: 'oncall-pager', kind: 'pagerduty', event: 'incident.acknowledged', by: 'alice', httpStatus: 202 }),
      expect.objectContaining({ channel: 'war-room', kind: 'slack', event: 'incident.acknowledged', by: 'alice', httpStatus: 200 }),
      expect.objectContaining({ channel: 'oncall-pager', kind: 'pagerduty', event: 'incident.resolved', by: 'bob', httpStatus: 202 }),
      expect.objectContaining({ channel: 'war-room', kind: 'slack', event: 'incident.resolved', by: 'bob', httpStatus: 200 }),
    ]));
    // A repeated ack by the same person is not a new event: nobody is told twice.
    const again = await runCli(['incidents', 'ack', id, '--by', 'alice', '--config', configPath], env());
    expect(again.stdout).toContain('already acknowledged');
    expect(pager.events).toHaveLength(3);
  });

  it('records a channel that is down as notification-failed; the acknowledgement stands', async () => {
    const id = await pagedIncident('down');
    pager.script.push(...Array.from({ length: 20 }, () => ({ status: 500, body: { status: 'error' } })));
    const ack = await runCli(['incidents', 'ack', id, '--by', 'carol', '--config', configPath], env());
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stderr).toMatch(/could not tell oncall-pager \(pagerduty\): pagerduty channel oncall-pager: answered HTTP 500; .* \(recorded in the timeline\)/);
    const [failed] = await sentOf(id, 'notification-failed');
    expect(failed).toMatchObject({ channel: 'oncall-pager', kind: 'pagerduty', event: 'incident.acknowledged', by: 'carol' });
    expect(failed!.attempts).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(failed)).not.toContain(pager.routingKey);
    expect((await store.get(id))!.timeline.some((entry) => entry.type === 'acknowledged' && entry.data.by === 'carol')).toBe(true);
  });

  it('says the action is recorded but no channel was told when a channel secret is missing', async () => {
    const id = await pagedIncident('nosecret');
    const ack = await runCli(['incidents', 'ack', id, '--by', 'dave', '--config', configPath], { ...env(), SLACK_WEBHOOK_URL: undefined });
    expect(ack.code).toBe(1);
    expect(ack.stderr).toContain(`${id} is acknowledged, but no channel was told`);
    expect(ack.stderr).toContain('environment variable SLACK_WEBHOOK_URL');
    expect(ack.stderr).not.toContain(pager.routingKey);
    expect(pager.events).toHaveLength(1); // the trigger only
    expect((await store.get(id))!.timeline.some((entry) => entry.type === 'acknowledged' && entry.data.by === 'dave')).toBe(true);
  });

  it('tells nobody without --config', async () => {
    const id = await pagedIncident('noconfig');
    const ack = await runCli(['incidents', 'ack', id, '--by', 'erin', '--redis', server.url, '--key-prefix', keyPrefix], env());
    expect(ack.code, ack.stderr).toBe(0);
    expect(pager.events).toHaveLength(1);
  });
});
