/**
 * The whole plan in a drill: the demo drain on a real anvil (1 s blocks) and redis-server, warden
 * in-process with the drill config plus PagerDuty, Slack and a signed webhook (stand-ins that validate
 * the documented payloads), roles, a 1 s escalation and the default cooldown. Then people act through
 * the real `warden` binary: ack and resolve follow the page.
 *
 * - PagerDuty answers its first request by hanging (a channel that is down): the pause still lands in
 *   the block after the exploit, and the page goes out after the pause tx was broadcast.
 * - Nobody acknowledges within 1 s: the secondary (Slack) is paged by the escalation.
 * - The drill raises several anomalies into one incident: the primary is paged once (cooldown).
 */
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drillAccounts } from '../../src/drill/accounts.js';
import { runDrainAttack, type RunDrainAttackReturnType } from '../../src/drill/attack.js';
import type { Incident } from '../../src/incidents/types.js';
import { drillConfigPath, runCli, scratchDir } from '../cli/cli.js';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../harness/vendors/pagerduty.js';
import { startSlackStandIn, type SlackStandIn } from '../harness/vendors/slack.js';
import { startWebhookReceiver, type WebhookReceiver } from '../harness/vendors/webhook-receiver.js';
import { eventually, startWorld, type World } from './world.js';

const webhookSecret = 'drill-webhook-secret-0123456789abcdef0123';
const scratch = scratchDir();
let world: World;
let pager: PagerDutyStandIn;
let slack: SlackStandIn;
let receiver: WebhookReceiver;
let attack: RunDrainAttackReturnType;
let incident: Incident;
let configPath: string;
let secrets: Record<string, string>;

beforeAll(async () => {
  [pager, slack, receiver] = await Promise.all([startPagerDutyStandIn(), startSlackStandIn(), startWebhookReceiver({ secret: webhookSecret })]);
  const config = parse(readFileSync(drillConfigPath, 'utf8'));
  config.chains[0].explorerUrl = 'https://explorer.example';
  config.responders.channels = [
    { id: 'oncall-pager', kind: 'pagerduty', routingKeyEnv: 'PAGERDUTY_ROUTING_KEY', eventsUrl: pager.eventsUrl, timeout: '500ms', retryFor: '5s' },
    { id: 'war-room', kind: 'slack', webhookUrlEnv: 'SLACK_WEBHOOK_URL' },
    { id: 'relay', kind: 'webhook', url: receiver.url, secretEnv: 'WARDEN_WEBHOOK_SECRET' },
  ];
  config.plan.roles = [
    { id: 'primary', channels: ['oncall-pager'] },
    { id: 'secondary', channels: ['war-room'] },
  ];
  config.plan.escalation = [{ after: '1s', page: ['secondary'] }];
  config.plan.rules[0].steps.push({ page: 'primary' }, { notify: 'relay' });
  configPath = scratch.write('warden.yaml', stringify(config));
  secrets = { PAGERDUTY_ROUTING_KEY: pager.routingKey, SLACK_WEBHOOK_URL: slack.webhookUrl, WARDEN_WEBHOOK_SECRET: webhookSecret };
  pager.script.push('hang');
  world = await startWorld({ blockTime: 1, configPath, env: secrets });
  attack = await runDrainAttack({
    rpcUrl: world.anvil.url,
    attackerKey: drillAccounts.attacker.key,
    vault: world.vault,
    victims: drillAccounts.depositors.map((depositor) => depositor.address),
  });
  incident = await eventually(async () => {
    const [summary] = await world.warden.incidents.list({ limit: 1 });
    const found = summary && (await world.warden.incidents.get(summary.id));
    return found?.timeline.some((entry) => entry.type === 'escalated') ? found : undefined;
  }, 30_000, 'the escalation');
}, 120_000);
afterAll(async () => {
  await Promise.all([world?.stop(), pager?.close(), slack?.close(), receiver?.close()]);
  scratch.cleanup();
});

const types = () => incident.timeline.map((entry) => entry.type);

describe('a drill with PagerDuty, Slack and a signed webhook', () => {
  it('pauses in the block after the exploit although PagerDuty hangs, and pages after the pause tx was broadcast', () => {
    const exploitBlock = attack.steps.find((step) => step.status === 'success')!.blockNumber;
    const mined = incident.timeline.find((entry) => entry.type === 'tx-mined')!;
    expect(Number(mined.data.blockNumber)).toBe(exploitBlock + 1);
    expect(incident.status).toBe('contained');
    expect(pager.requests[0]!.status).toBe('hang');
    const paged = incident.timeline.findIndex((entry) => entry.type === 'notification-sent' && entry.data.channel === 'oncall-pager');
    expect(paged).toBeGreaterThan(types().indexOf('tx-broadcast'));
    expect(incident.timeline[paged]!.data.attempts).toBeGreaterThanOrEqual(2);
  });

  it('triggers the page once with dedup_key = incident id, though several anomalies joined (cooldown)', () => {
    expect(incident.anomalyIds.length).toBeGreaterThan(1);
    const triggers = pager.events.filter((event) => event.event_action === 'trigger');
    expect(triggers).toHaveLength(1);
    expect(triggers[0]!.dedup_key).toBe(incident.id);
    expect(types()).toContain('notification-suppressed');
    expect(pager.requests.filter((request) => request.status !== 'hang').every((request) => request.problems.length === 0)).toBe(true);
  });

  it('escalates to the secondary on Slack when nobody acknowledged within a second', () => {
    const escalated = incident.timeline.find((entry) => entry.type === 'escalated')!;
    expect(escalated.data).toMatchObject({ level: 1, roles: ['secondary'], channels: ['war-room'] });
    const escalation = slack.messages.find((message) => String(message.payload.text).includes('Escalated'));
    expect(escalation).toBeDefined();
    expect(slack.requests.every((request) => request.problems.length === 0)).toBe(true);
  });

  it('delivers a signed webhook the receiver verifies', () => {
    expect(receiver.rejections).toEqual([]);
    expect(receiver.deliveries.length).toBeGreaterThanOrEqual(1);
    expect((receiver.deliveries[0]!.body.incident as { id: string }).id).toBe(incident.id);
  });

  it('acknowledges the page on `incidents ack` and resolves it on `incidents resolve`, telling the secondary too', async () => {
    const env = { ...secrets, REDIS_URL: world.loaded.config.redis.url, DRILL_RPC_URL: world.anvil.url, DRILL_WS_URL: world.anvil.wsUrl, DRILL_TOKEN_ADDRESS: world.token, DRILL_VAULT_ADDRESS: world.vault };
    const ack = await runCli(['incidents', 'ack', incident.id, '--by', 'alice', '--config', configPath], env, 60_000);
    expect(ack.code, ack.stderr).toBe(0);
    const resolve = await runCli(['incidents', 'resolve', incident.id, '--summary', 'drill over', '--by', 'alice', '--config', configPath], env, 60_000);
    expect(resolve.code, resolve.stderr).toBe(0);
    const actions = pager.events.map((event) => [event.event_action, event.dedup_key]);
    expect(actions.slice(-2)).toEqual([['acknowledge', incident.id], ['resolve', incident.id]]);
    expect(pager.alerts.get(`${pager.routingKey}/${incident.id}`)?.status).toBe('resolved');
    const texts = slack.messages.map((message) => String(message.payload.text));
    expect(texts.some((text) => text.startsWith('Acknowledged by alice'))).toBe(true);
    expect(texts.some((text) => text.startsWith('Resolved by alice'))).toBe(true);
  }, 150_000);
});
