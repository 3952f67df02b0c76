import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createGuardianPauser, resolvePauseTargets } from '../../responders/pause-guardian.js';
import { makeAnomaly } from '../../responders/test/anomaly-fixture.js';
import { devKeys, startHarness, type Harness } from '../../responders/test/harness.js';
import { startWebhookServer, type WebhookServer } from '../../responders/test/webhook-server.js';
import { resolveContracts } from '../config/contracts.js';
import { configSchema, type Config } from '../config/schema.js';
import { anomalySubject, planActions } from './match.js';
import { createPlanRunner } from './runner.js';

const guardian = privateKeyToAccount(devKeys.guardian);
const deployer = privateKeyToAccount(devKeys.deployer);
let h: Harness;
let hook: WebhookServer;
let prefixCounter = 0;

beforeAll(async () => {
  [h, hook] = await Promise.all([startHarness(), startWebhookServer()]);
}, 30_000);
afterAll(async () => {
  await Promise.all([h?.stop(), hook?.close()]);
});

function makeConfig(vault: Address, other: Address = '0x000000000000000000000000000000000000dEaD'): Config {
  return configSchema.parse({
    chains: [{ id: 31337, name: 'anvil', rpc: { http: [h.anvil.url] } }],
    contracts: [
      { name: 'vault', chain: 31337, address: vault, protocol: 'demo', abi: ['function pause()', 'function paused() view returns (bool)', 'event Paused(address account)'] },
      { name: 'elsewhere', chain: 31337, address: other, protocol: 'other', abi: ['event Paused(address account)'] },
    ],
    detectors: [
      { id: 'vault-drain', kind: 'event', severity: 'high', params: { contracts: ['vault'], event: 'Paused' } },
      { id: 'vault-info', kind: 'event', severity: 'info', params: { contracts: ['vault'], event: 'Paused' } },
    ],
    plan: {
      rules: [
        { match: { detectors: ['vault-drain'] }, steps: [{ pause: 'pause-vault' }, 'record', { notify: 'ops' }] },
        { match: { minSeverity: 'high' }, steps: [{ notify: 'ops' }, { pause: 'pause-vault' }] },
      ],
    },
    responders: {
      guardian: { privateKeyEnv: 'WARDEN_GUARDIAN_KEY' },
      pauses: [{ id: 'pause-vault', contract: 'vault', function: 'function pause()', check: { function: 'function paused() view returns (bool)', expect: true } }],
      webhooks: [{ id: 'ops', url: hook.url, timeout: 1 }],
    },
  });
}

async function setup(options: { pauser?: Address } = {}) {
  const vault = await h.deployPausable(options.pauser ?? guardian.address);
  const config = makeConfig(vault);
  const contracts = resolveContracts(config);
  const keyPrefix = `r${++prefixCounter}`;
  const incidents = h.incidents(keyPrefix);
  const pauser = createGuardianPauser({
    chain: config.chains[0]!, publicClient: h.client, account: guardian, guardian: config.responders.guardian!,
    targets: resolvePauseTargets(config, contracts), redis: h.redis, keyPrefix, log: h.log, pollIntervalMs: 25,
  });
  const runner = createPlanRunner({ config, contracts, incidents, pausers: new Map([[31337, pauser]]), log: h.log });
  return { vault, config, contracts, incidents, runner, keyPrefix };
}

describe('plan matching', () => {
  it('takes each distinct step once, in rule order, and no pause for observe-mode anomalies', () => {
    const config = makeConfig('0x0000000000000000000000000000000000000001');
    expect(planActions(config, makeAnomaly({ detectorId: 'vault-drain' })).actions).toEqual([
      { kind: 'pause', targetId: 'pause-vault', dryRun: false }, { kind: 'record' }, { kind: 'notify', notifyId: 'ops', dryRun: false },
    ]);
    expect(planActions(config, makeAnomaly({ detectorId: 'vault-info', severity: 'info' })).actions).toEqual([]);
    expect(planActions(config, makeAnomaly({ detectorId: 'vault-drain', mode: 'observe' })).actions).toEqual([
      { kind: 'record' }, { kind: 'notify', notifyId: 'ops', dryRun: false },
    ]);
    // A step is a dry run only when every rule naming it says so; plan.dryRun is every step's default.
    const dry = { plan: { dryRun: true, rules: [
      { match: { minSeverity: 'high' as const }, steps: [{ pause: 'pause-vault' }, { notify: 'ops', dryRun: false }] },
      { match: { minSeverity: 'high' as const }, steps: [{ pause: 'pause-vault', dryRun: false }, { page: 'primary' }] },
    ] } };
    expect(planActions(dry, makeAnomaly({ detectorId: 'vault-drain' })).actions).toEqual([
      { kind: 'pause', targetId: 'pause-vault', dryRun: false }, { kind: 'notify', notifyId: 'ops', dryRun: false }, { kind: 'page', roleId: 'primary', dryRun: true },
    ]);
  });

  it('ignores addresses from chain data that are not the detector\'s own contracts', () => {
    const config = makeConfig('0x0000000000000000000000000000000000000001');
    const contracts = resolveContracts(config);
    const anomaly = makeAnomaly({ detectorId: 'vault-drain', addresses: ['0x000000000000000000000000000000000000dEaD'] });
    expect(anomalySubject({ config, contracts, anomaly })).toEqual({ protocol: 'demo', contracts: ['vault'] });
  });
});

describe('plan runner', () => {
  it('sends one notification when two replicas handle the same anomaly at once', async () => {
    const s = await setup();
    // A second replica: its own pauser and runner on the same Redis and key prefix.
    const secondPauser = createGuardianPauser({
      chain: s.config.chains[0]!, publicClient: h.client, account: guardian, guardian: s.config.responders.guardian!,
      targets: resolvePauseTargets(s.config, s.contracts), redis: h.redis, keyPrefix: s.keyPrefix, log: h.log, pollIntervalMs: 25,
    });
    const second = createPlanRunner({ config: s.config, contracts: s.contracts, incidents: s.incidents, pausers: new Map([[31337, secondPauser]]), log: h.log });
    hook.bodies.length = 0;
    const anomaly = makeAnomaly({ detectorId: 'vault-drain', addresses: [s.vault] });
    await Promise.all([s.runner.handle(anomaly), second.handle(anomaly)]);
    expect(hook.bodies).toHaveLength(1);
    expect(hook.bodies[0]).toMatchObject({ event: 'incident.contained' });
  });

  it('opens an incident, pauses, marks it contained, then notifies — and a retried job adds nothing', async () => {
    const s = await setup();
    hook.bodies.length = 0;
    const anomaly = makeAnomaly({ detectorId: 'vault-drain', addresses: [s.vault] });
    const before = await h.nonceOf(guardian.address);
    await s.runner.handle(anomaly);
    const [summary] = await s.incidents.list({ limit: 1 });
    const incident = (await s.incidents.get(summary!.id))!;
    expect(incident).toMatchObject({ status: 'contained', protocol: 'demo', contracts: ['vault'], anomalyIds: [anomaly.id], severity: 'high' });
    expect(incident.timeline.map((e) => e.type)).toEqual([
      'anomaly-detected', 'response-started', 'tx-prepared', 'tx-broadcast', 'tx-mined', 'verified-paused', 'status-changed', 'notification-sent',
    ]);
    expect(hook.bodies).toHaveLength(1);
    expect(hook.bodies[0]).toMatchObject({ event: 'incident.contained', incident: { id: incident.id, status: 'contained', protocol: 'demo' }, anomaly: { id: anomaly.id } });
    expect((hook.bodies[0] as { text: string }).text).toMatch(/^\[high\] demo: contained — pause-vault paused in block \d+/);

    await s.runner.handle(anomaly); // the queue retries a job
    expect((await s.incidents.get(incident.id))!.timeline).toHaveLength(incident.timeline.length);
    expect(hook.bodies).toHaveLength(1);
    expect(await h.nonceOf(guardian.address)).toBe(before + 1);

    const next = makeAnomaly({ detectorId: 'vault-drain', severity: 'critical' }); // the attack goes on
    await s.runner.handle(next);
    const joined = (await s.incidents.get(incident.id))!;
    expect(joined.anomalyIds).toEqual([anomaly.id, next.id]);
    expect(joined.severity).toBe('critical');
    expect(joined.timeline.map((e) => e.type).slice(incident.timeline.length)).toEqual(['anomaly-detected', 'response-started', 'notification-sent']);
    expect(await h.nonceOf(guardian.address)).toBe(before + 1);
    expect(h.logText()).not.toContain('s3cr3t');
    expect(JSON.stringify(joined)).not.toContain('s3cr3t');
  });

  it('does not pause again for an anomaly whose job comes back after people unpaused and resolved its incident', async () => {
    const s = await setup();
    const anomaly = makeAnomaly({ detectorId: 'vault-drain', addresses: [s.vault] });
    await s.runner.handle(anomaly);
    const [summary] = await s.incidents.list({ limit: 1 });
    await h.rpc('anvil_impersonateAccount', [guardian.address]);
    await h.rpc('eth_sendTransaction', [{ from: guardian.address, to: s.vault, data: '0x3f4ba83a' }]); // unpause()
    expect(await h.paused(s.vault)).toBe(false);
    await s.incidents.setStatus({ incidentId: summary!.id, status: 'resolved', actor: 'human', by: 'alice' });
    const before = await h.nonceOf(guardian.address);
    const length = (await s.incidents.get(summary!.id))!.timeline.length;

    await s.runner.handle(anomaly); // its worker was killed; BullMQ delivers the job again
    expect(await h.paused(s.vault)).toBe(false);
    expect(await h.nonceOf(guardian.address)).toBe(before);
    expect((await s.incidents.get(summary!.id))!.timeline).toHaveLength(length);
    expect(await s.incidents.list({ limit: 5 })).toHaveLength(1);
  });

  it('does not pause again for a job delivered again after people unpaused, but does for a new anomaly of the open incident', async () => {
    const s = await setup();
    const anomaly = makeAnomaly({ detectorId: 'vault-drain', addresses: [s.vault] });
    await s.runner.handle(anomaly);
    await h.rpc('anvil_impersonateAccount', [guardian.address]);
    await h.rpc('eth_sendTransaction', [{ from: guardian.address, to: s.vault, data: '0x3f4ba83a' }]); // unpause(), incident still open
    const before = await h.nonceOf(guardian.address);

    await s.runner.handle(anomaly); // the same job, delivered again
    expect(await h.paused(s.vault)).toBe(false);
    expect(await h.nonceOf(guardian.address)).toBe(before);

    await s.runner.handle(makeAnomaly({ detectorId: 'vault-drain', addresses: [s.vault] })); // the attack goes on
    expect(await h.paused(s.vault)).toBe(true);
    expect(await h.nonceOf(guardian.address)).toBe(before + 1);
  });

  it('marks the incident containment-failed with the reason when the guardian lacks the role', async () => {
    const s = await setup({ pauser: deployer.address });
    hook.bodies.length = 0;
    await s.runner.handle(makeAnomaly({ detectorId: 'vault-drain' }));
    const [summary] = await s.incidents.list({ limit: 1 });
    const incident = (await s.incidents.get(summary!.id))!;
    expect(incident.status).toBe('containment-failed');
    const change = incident.timeline.find((e) => e.type === 'status-changed')!;
    expect(change.data.reason).toMatch(/pause-vault: guardian 0x[0-9a-fA-F]{40} lacks PAUSER_ROLE to call pause\(\) on vault/);
    expect(hook.bodies[0]).toMatchObject({ event: 'incident.containment-failed' });
  });

  it('records a failed notification without disturbing containment', async () => {
    const s = await setup();
    hook.script.push(500, 500, 500);
    await s.runner.handle(makeAnomaly({ detectorId: 'vault-drain' }));
    hook.script.length = 0;
    const [summary] = await s.incidents.list({ limit: 1 });
    const incident = (await s.incidents.get(summary!.id))!;
    expect(incident.status).toBe('contained');
    expect(incident.timeline.at(-1)).toMatchObject({ type: 'notification-failed', data: { webhook: 'ops', error: 'webhook ops answered HTTP 500', attempts: 3 } });
  });

  it('records observe-mode anomalies without pausing, and ignores anomalies no rule matches', async () => {
    const s = await setup();
    const before = await h.nonceOf(guardian.address);
    await s.runner.handle(makeAnomaly({ detectorId: 'vault-info', severity: 'info' }));
    expect(await s.incidents.list()).toEqual([]);
    await s.runner.handle(makeAnomaly({ detectorId: 'vault-drain', mode: 'observe' }));
    const [incident] = await s.incidents.list();
    expect(incident?.status).toBe('open');
    expect(await h.nonceOf(guardian.address)).toBe(before);
  });
});
