/**
 * The plan runner notifying through channels (responders.channels): a real anvil and redis-server,
 * vendor stand-ins that validate the documented payloads. Channel sends keep the webhook's
 * guarantees: once per state across retries, after the pause dispatch, failures recorded.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createChannels } from '../../responders/notify/index.js';
import { createGuardianPauser, resolvePauseTargets } from '../../responders/pause-guardian.js';
import { makeAnomaly } from '../../responders/test/anomaly-fixture.js';
import { devKeys, startHarness, type Harness } from '../../responders/test/harness.js';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../../test/harness/vendors/pagerduty.js';
import { startSlackStandIn, type SlackStandIn } from '../../test/harness/vendors/slack.js';
import { resolveContracts } from '../config/contracts.js';
import { configSchema } from '../config/schema.js';
import { createPlanRunner } from './runner.js';

const guardian = privateKeyToAccount(devKeys.guardian);
const explorer = 'https://explorer.example';
let h: Harness;
let slack: SlackStandIn;
let pager: PagerDutyStandIn;
let prefixCounter = 0;

beforeAll(async () => {
  [h, slack, pager] = await Promise.all([startHarness(), startSlackStandIn(), startPagerDutyStandIn()]);
}, 30_000);
afterAll(async () => {
  await Promise.all([h?.stop(), slack?.close(), pager?.close()]);
});
beforeEach(() => {
  for (const server of [slack, pager]) {
    server.requests.length = 0;
    server.script.length = 0;
  }
  slack.messages.length = 0;
  pager.events.length = 0;
});

/** Pause, then page PagerDuty and tell Slack; `pagerOptions` tunes the PagerDuty channel (timeouts). */
async function setup(pagerOptions: Record<string, unknown> = {}, cooldown: number | string = '5m') {
  const vault: Address = await h.deployPausable(guardian.address);
  const config = configSchema.parse({
    chains: [{ id: 31337, name: 'anvil', rpc: { http: [h.anvil.url] }, explorerUrl: explorer }],
    contracts: [{ name: 'vault', chain: 31337, address: vault, protocol: 'demo', abi: ['function pause()', 'function paused() view returns (bool)', 'event Paused(address account)'] }],
    detectors: [{ id: 'vault-drain', kind: 'event', severity: 'high', params: { contracts: ['vault'], event: 'Paused' } }],
    plan: { cooldown, rules: [{ match: { detectors: ['vault-drain'] }, steps: [{ pause: 'pause-vault' }, 'record', { notify: 'oncall-pager' }, { notify: 'war-room' }] }] },
    responders: {
      guardian: { privateKeyEnv: 'WARDEN_GUARDIAN_KEY' },
      pauses: [{ id: 'pause-vault', contract: 'vault', function: 'function pause()', check: { function: 'function paused() view returns (bool)', expect: true } }],
      channels: [
        { id: 'oncall-pager', kind: 'pagerduty', routingKeyEnv: 'PAGERDUTY_ROUTING_KEY', eventsUrl: pager.eventsUrl, ...pagerOptions },
        { id: 'war-room', kind: 'slack', webhookUrlEnv: 'SLACK_WEBHOOK_URL', mention: '<!here>' },
      ],
    },
  });
  const contracts = resolveContracts(config);
  const keyPrefix = `rc${++prefixCounter}`;
  const incidents = h.incidents(keyPrefix);
  const pauser = createGuardianPauser({
    chain: config.chains[0]!, publicClient: h.client, account: guardian, guardian: config.responders.guardian!,
    targets: resolvePauseTargets(config, contracts), redis: h.redis, keyPrefix, log: h.log, pollIntervalMs: 25,
  });
  const secrets = new Map([['oncall-pager', { routingKey: pager.routingKey }], ['war-room', { webhookUrl: slack.webhookUrl }]]);
  const channels = createChannels({ configs: config.responders.channels, secrets });
  const runner = createPlanRunner({ config, contracts, incidents, pausers: new Map([[31337, pauser]]), channels, log: h.log });
  return { vault, incidents, runner };
}

describe('plan runner with notification channels', () => {
  it('pages once for a storm of anomalies within the cooldown, and records the rest as suppressed', async () => {
    const s = await setup();
    for (let i = 0; i < 4; i++) await s.runner.handle(makeAnomaly({ detectorId: 'vault-drain', addresses: [s.vault] }));
    const [summary] = await s.incidents.list({ limit: 1 });
    const incident = (await s.incidents.get(summary!.id))!;
    expect(incident.anomalyIds).toHaveLength(4);
    expect(pager.requests).toHaveLength(1);
    expect(slack.requests).toHaveLength(1);
    const suppressed = incident.timeline.filter((entry) => entry.type === 'notification-suppressed').map((entry) => entry.data.target);
    expect(suppressed.sort()).toEqual(['oncall-pager', 'oncall-pager', 'oncall-pager', 'war-room', 'war-room', 'war-room']);
  });

  it('sends every anomaly with the cooldown off (0)', async () => {
    const s = await setup({}, 0);
    for (let i = 0; i < 3; i++) await s.runner.handle(makeAnomaly({ detectorId: 'vault-drain', addresses: [s.vault] }));
    expect(pager.requests).toHaveLength(3);
    expect(slack.requests).toHaveLength(3);
  });

  it('pages PagerDuty (trigger, dedup_key = incident id) and tells Slack in Block Kit, once per state', async () => {
    const s = await setup();
    const anomaly = makeAnomaly({ detectorId: 'vault-drain', addresses: [s.vault] });
    await s.runner.handle(anomaly);
    const [summary] = await s.incidents.list({ limit: 1 });
    const incident = (await s.incidents.get(summary!.id))!;
    expect(incident.status).toBe('contained');
    const txHash = incident.timeline.find((entry) => entry.type === 'tx-broadcast')!.data.txHash as string;

    expect(pager.requests.map((request) => [request.status, request.problems])).toEqual([[202, []]]);
    expect(pager.events[0]).toMatchObject({
      routing_key: pager.routingKey,
      event_action: 'trigger',
      dedup_key: incident.id,
      payload: { severity: 'error', source: 'warden', component: 'demo', custom_details: { event: 'incident.contained', incident: incident.id, status: 'contained', chain: 'anvil (31337)' } },
    });
    expect((pager.events[0]!.links as { href: string }[]).map((link) => link.href)).toContain(`${explorer}/tx/${txHash}`);
    expect(pager.alerts.get(`${pager.routingKey}/${incident.id}`)?.status).toBe('triggered');

    expect(slack.requests.map((request) => [request.status, request.problems])).toEqual([[200, []]]);
    const { payload, parsed } = slack.messages[0]!;
    expect(payload.text).toBe('<!here> Contained: demo on anvil is paused');
    expect(new Set(parsed.mentions)).toEqual(new Set(['!here']));
    expect(parsed.links.map((link) => link.url)).toContain(`${explorer}/tx/${txHash}`);

    const sent = incident.timeline.filter((entry) => entry.type === 'notification-sent').map((entry) => entry.data);
    expect(sent).toEqual(
      expect.arrayContaining([
        { channel: 'oncall-pager', kind: 'pagerduty', event: 'incident.contained', httpStatus: 202, attempts: 1 },
        { channel: 'war-room', kind: 'slack', event: 'incident.contained', httpStatus: 200, attempts: 1 },
      ]),
    );
    expect(sent).toHaveLength(2);

    await s.runner.handle(anomaly); // the queue retries the job: nobody hears twice
    expect(pager.requests).toHaveLength(1);
    expect(slack.requests).toHaveLength(1);
    expect(h.logText()).not.toContain(pager.routingKey);
    expect(h.logText()).not.toContain(slack.webhookUrl);
  });

  it('records a channel that answers 500s or hangs as notification-failed, after the pause was broadcast', async () => {
    const s = await setup({ timeout: '300ms', retryFor: '1500ms' });
    pager.script.push('hang', ...Array.from({ length: 20 }, () => ({ status: 500, body: { status: 'error' } })));
    await s.runner.handle(makeAnomaly({ detectorId: 'vault-drain', addresses: [s.vault] }));
    const [summary] = await s.incidents.list({ limit: 1 });
    const incident = (await s.incidents.get(summary!.id))!;
    expect(incident.status).toBe('contained');
    expect(await h.paused(s.vault)).toBe(true);
    const types = incident.timeline.map((entry) => entry.type);
    const failed = incident.timeline.find((entry) => entry.type === 'notification-failed')!;
    expect(types.indexOf('tx-broadcast')).toBeGreaterThanOrEqual(0);
    expect(types.indexOf('tx-broadcast')).toBeLessThan(types.indexOf('notification-failed'));
    expect(types.indexOf('tx-mined')).toBeLessThan(types.indexOf('notification-failed'));
    expect(failed.data).toMatchObject({ channel: 'oncall-pager', kind: 'pagerduty', event: 'incident.contained' });
    expect(failed.data.error).toMatch(/^pagerduty channel oncall-pager/);
    expect(failed.data.attempts).toBeGreaterThanOrEqual(2);
    expect(pager.requests[0]!.status).toBe('hang');
    expect(pager.requests.slice(1).every((request) => request.status === 500)).toBe(true);
    expect(JSON.stringify(incident)).not.toContain(pager.routingKey);
    // The other channel is not held back by the failing one.
    expect(incident.timeline.find((entry) => entry.type === 'notification-sent')?.data).toMatchObject({ channel: 'war-room', kind: 'slack' });
  });
});
