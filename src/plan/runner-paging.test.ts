/**
 * Roles, escalation, quiet hours and dry runs through the real plan runner: a real anvil and
 * redis-server, the timers as real BullMQ delayed jobs, vendor stand-ins that validate payloads.
 * Escalation times are a second or two (the schema takes "1s").
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getAddress, type Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createChannels } from '../../responders/notify/index.js';
import { createGuardianPauser, resolvePauseTargets } from '../../responders/pause-guardian.js';
import { makeAnomaly } from '../../responders/test/anomaly-fixture.js';
import { devKeys, startHarness, waitUntil, type Harness } from '../../responders/test/harness.js';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../../test/harness/vendors/pagerduty.js';
import { startSlackStandIn, type SlackStandIn } from '../../test/harness/vendors/slack.js';
import { resolveContracts } from '../config/contracts.js';
import { configSchema } from '../config/schema.js';
import type { Incident } from '../incidents/types.js';
import { createPlanRunner } from './runner.js';
import { createPlanTimers, createPlanTimerWorker } from './timers.js';

const guardian = privateKeyToAccount(devKeys.guardian);
let h: Harness;
let slack: SlackStandIn;
let pager: PagerDutyStandIn;
let prefixCounter = 0;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  [h, slack, pager] = await Promise.all([startHarness(), startSlackStandIn(), startPagerDutyStandIn()]);
}, 30_000);
afterAll(async () => {
  await Promise.all([h?.stop(), slack?.close(), pager?.close()]);
});
beforeEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  for (const server of [slack, pager]) server.requests.length = 0;
  slack.messages.length = 0;
  pager.events.length = 0;
});

/** The primary is paged on PagerDuty; the secondary hears on Slack after 1 s; everyone after 2 s. */
async function setup(plan: Record<string, unknown> = {}, options: { now?: () => number; steps?: unknown[] } = {}) {
  const vault: Address = await h.deployPausable(guardian.address);
  const config = configSchema.parse({
    chains: [{ id: 31337, name: 'anvil', rpc: { http: [h.anvil.url] } }],
    contracts: [{ name: 'vault', chain: 31337, address: vault, protocol: 'demo', abi: ['function pause()', 'function paused() view returns (bool)', 'event Paused(address account)'] }],
    detectors: [{ id: 'vault-drain', kind: 'event', severity: 'high', params: { contracts: ['vault'], event: 'Paused' } }],
    plan: {
      cooldown: 0,
      roles: [
        { id: 'primary', channels: ['primary-pager'] },
        { id: 'secondary', channels: ['secondary-chat'] },
      ],
      escalation: [
        { after: '1s', page: ['secondary'] },
        { after: '2s', page: 'everyone' },
      ],
      rules: [{ match: { detectors: ['vault-drain'] }, steps: options.steps ?? [{ pause: 'pause-vault' }, 'record', { page: 'primary' }] }],
      ...plan,
    },
    responders: {
      guardian: { privateKeyEnv: 'WARDEN_GUARDIAN_KEY' },
      pauses: [{ id: 'pause-vault', contract: 'vault', function: 'function pause()', check: { function: 'function paused() view returns (bool)', expect: true } }],
      channels: [
        { id: 'primary-pager', kind: 'pagerduty', routingKeyEnv: 'PAGERDUTY_ROUTING_KEY', eventsUrl: pager.eventsUrl },
        { id: 'secondary-chat', kind: 'slack', webhookUrlEnv: 'SLACK_WEBHOOK_URL' },
      ],
    },
  });
  const contracts = resolveContracts(config);
  const keyPrefix = `rp${++prefixCounter}`;
  const incidents = h.incidents(keyPrefix);
  const pauser = createGuardianPauser({
    chain: config.chains[0]!, publicClient: h.client, account: guardian, guardian: config.responders.guardian!,
    targets: resolvePauseTargets(config, contracts), redis: h.redis, keyPrefix, log: h.log, pollIntervalMs: 25,
  });
  const secrets = new Map([['primary-pager', { routingKey: pager.routingKey }], ['secondary-chat', { webhookUrl: slack.webhookUrl }]]);
  const channels = createChannels({ configs: config.responders.channels, secrets });
  const timers = createPlanTimers({ redisUrl: h.redisServer.url, keyPrefix });
  const runner = createPlanRunner({ config, contracts, incidents, pausers: new Map([[31337, pauser]]), channels, log: h.log, timers, now: options.now });
  const worker = createPlanTimerWorker({ redisUrl: h.redisServer.url, keyPrefix, log: h.log, handle: (timer) => runner.handleTimer(timer) });
  cleanups.push(() => worker.close(), () => timers.close());
  const incident = async (): Promise<Incident> => {
    const [summary] = await incidents.list({ limit: 1 });
    return (await incidents.get(summary!.id))!;
  };
  const entries = async (type: string) => (await incident()).timeline.filter((entry) => entry.type === type);
  return { vault, incidents, runner, incident, entries, anomaly: (severity: 'high' | 'critical' = 'high') => makeAnomaly({ detectorId: 'vault-drain', severity, addresses: [vault] }) };
}

describe('paging roles and escalation', () => {
  it('pages the primary at once, then escalates to the secondary and then everyone while nobody acknowledges', async () => {
    const s = await setup();
    await s.runner.handle(s.anomaly());
    const incident = await s.incident();
    expect(incident.status).toBe('contained');
    expect(pager.events.map((event) => [event.event_action, event.dedup_key])).toEqual([['trigger', incident.id]]);
    expect(slack.requests).toHaveLength(0); // the secondary is not paged yet
    expect((await s.entries('escalation-armed'))[0]!.data.levels).toHaveLength(2);

    await waitUntil(async () => (await s.entries('escalated')).length === 2, 15_000);
    const escalated = (await s.entries('escalated')).map((entry) => entry.data);
    expect(escalated[0]).toMatchObject({ level: 1, roles: ['secondary'], channels: ['secondary-chat'] });
    expect(escalated[1]).toMatchObject({ level: 2, roles: ['primary', 'secondary'], channels: ['primary-pager', 'secondary-chat'] });
    // Slack heard level 1 and level 2; PagerDuty was triggered again (same dedup_key) at level 2.
    expect(slack.requests.map((request) => request.problems)).toEqual([[], []]);
    expect(slack.messages.map((message) => message.payload.text)).toEqual([expect.stringContaining('Escalated'), expect.stringContaining('Escalated')]);
    expect(pager.events.map((event) => event.event_action)).toEqual(['trigger', 'trigger']);
    expect((pager.events[1]!.payload as { custom_details: { event: string } }).custom_details.event).toBe('incident.escalated');
    const sent = (await s.entries('notification-sent')).map((entry) => `${String(entry.data.channel)}:${String(entry.data.event)}`);
    expect(sent.sort()).toEqual(['primary-pager:incident.contained', 'primary-pager:incident.escalated', 'secondary-chat:incident.escalated', 'secondary-chat:incident.escalated']);
  }, 30_000);

  it('does not escalate once someone acknowledged, and a second anomaly of the incident arms nothing new', async () => {
    const s = await setup();
    await s.runner.handle(s.anomaly());
    const { id } = await s.incident();
    await s.incidents.append({ incidentId: id, entry: { type: 'acknowledged', at: Date.now(), monoNs: '0', runId: 'test', data: { by: 'alice' } } });
    await s.runner.handle(s.anomaly());
    // Both levels' timers come due (2 s) and find the acknowledgement.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect(await s.entries('escalated')).toHaveLength(0);
    expect(slack.requests).toHaveLength(0);
    expect(await s.entries('escalation-armed')).toHaveLength(1);
  }, 30_000);

  it('holds a page below critical until quiet hours end, and pages a critical incident at once', async () => {
    // 21:59:59 UTC, quiet 21:00–22:00: the held page goes out a second later, at 22:00.
    const start = Date.UTC(2026, 10, 26, 21, 59, 59);
    const offset = start - Date.now();
    const quietHours = { from: '21:00', to: '22:00', timezone: 'UTC' };
    const s = await setup({ quietHours, escalation: [] }, { now: () => Date.now() + offset });
    await s.runner.handle(s.anomaly('high'));
    const deferred = await s.entries('page-deferred');
    expect(deferred.map((entry) => entry.data)).toEqual([{ role: 'primary', until: Date.UTC(2026, 10, 26, 22, 0, 0), reason: 'quiet hours' }]);
    expect(pager.events).toHaveLength(0);
    await waitUntil(() => pager.events.length === 1, 10_000);
    expect(pager.events[0]).toMatchObject({ event_action: 'trigger', dedup_key: (await s.incident()).id });

    const critical = await setup({ quietHours, escalation: [] }, { now: () => Date.now() + offset });
    pager.events.length = 0;
    await critical.runner.handle(critical.anomaly('critical'));
    expect(pager.events).toHaveLength(1); // at once, during quiet hours
    expect(await critical.entries('page-deferred')).toHaveLength(0);
  }, 30_000);
});

describe('dry runs', () => {
  it('plan.dryRun records what every step would do and sends nothing: no pause tx, no page, no escalation', async () => {
    const s = await setup({ dryRun: true });
    await s.runner.handle(s.anomaly('critical'));
    expect(await h.paused(s.vault)).toBe(false);
    const incident = await s.incident();
    expect(incident.status).toBe('open');
    const dry = incident.timeline.filter((entry) => entry.type === 'dry-run').map((entry) => [entry.data.step, entry.data.id]);
    expect(dry).toEqual([['pause', 'pause-vault'], ['page', 'primary']]);
    expect(String(incident.timeline.find((entry) => entry.type === 'dry-run')!.data.would)).toContain(`call function pause() on vault (${getAddress(s.vault)})`);
    expect(incident.timeline.some((entry) => ['tx-broadcast', 'notification-sent', 'escalation-armed'].includes(entry.type))).toBe(false);
    expect(pager.requests).toHaveLength(0);
    expect(h.logText()).toContain('dry run, nothing sent: would pause pause-vault');
  }, 30_000);

  it('a step with dryRun: true is recorded only, the other steps run', async () => {
    const s = await setup({ escalation: [] }, { steps: [{ pause: 'pause-vault' }, 'record', { page: 'primary', dryRun: true }] });
    await s.runner.handle(s.anomaly());
    expect(await h.paused(s.vault)).toBe(true);
    expect((await s.incident()).status).toBe('contained');
    expect((await s.entries('dry-run')).map((entry) => entry.data.step)).toEqual(['page']);
    expect(pager.requests).toHaveLength(0);
  }, 30_000);
});
