/**
 * Pausing through a Safe (mode `safe`): real Safe 1.4.1 contracts on anvil, a real redis-server.
 * The guardian sends execTransaction; the Safe (which holds the pauser role) calls pause().
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFunctionData, type Address, type LocalAccount } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { SafeConfig } from '../src/config/schema.js';
import { createSafe, deploySafeSingletons, execAsOwners, safeAdminAbi, type SafeSingletons } from '../src/drill/safe-deploy.js';
import type { IncidentStore } from '../src/incidents/store.js';
import { createGuardianPauser, type GuardianPauser, type PauseParameters } from './pause-guardian.js';
import { findSafeExecution, readSafeState } from './safe/safe-tx.js';
import { makeAnomaly } from './test/anomaly-fixture.js';
import { devKeys, guardianConfig, startHarness, type Harness } from './test/harness.js';

const guardian = privateKeyToAccount(devKeys.guardian);
const deployer = privateKeyToAccount(devKeys.deployer);
const other = privateKeyToAccount(devKeys.other);
let h: Harness;
let singletons: SafeSingletons;
let prefixCounter = 0;

beforeAll(async () => {
  h = await startHarness();
  singletons = await deploySafeSingletons({ client: h.client, deployer, pollingIntervalMs: 20 });
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

interface SafeSetup {
  safe: Address;
  vault: Address;
  incidents: IncidentStore;
  incidentId: string;
  record: PauseParameters['record'];
  pauser(options?: { redis?: Redis; signers?: LocalAccount[] }): GuardianPauser;
  timeline(): Promise<{ type: string; data: Record<string, unknown> }[]>;
}

async function setup(params: { owners: LocalAccount[]; threshold: number; vaultPauser?: 'safe' | 'nobody' }): Promise<SafeSetup> {
  const keyPrefix = `s${++prefixCounter}`;
  const safe = await createSafe({ client: h.client, deployer, singletons, owners: params.owners.map((o) => o.address), threshold: params.threshold, saltNonce: BigInt(prefixCounter), pollingIntervalMs: 20 });
  const vault = await h.deployPausable(params.vaultPauser === 'nobody' ? deployer.address : safe);
  const safes: SafeConfig[] = [{ id: 'pause-safe', chain: 31337, address: safe, appUrl: 'https://app.safe.global' }];
  const targets = h.targetsFor(vault, { via: { mode: 'safe', safe: 'pause-safe' } }, safes);
  const incidents = h.incidents(keyPrefix);
  const { incident } = await incidents.openOrJoin({ anomaly: makeAnomaly(), protocol: 'demo', contracts: ['vault'], windowSeconds: 600 });
  const record: PauseParameters['record'] = (entry, o) => incidents.append({ incidentId: incident.id, entry, onceKey: o?.onceKey });
  return {
    safe,
    vault,
    incidents,
    incidentId: incident.id,
    record,
    pauser: ({ redis = h.redis, signers = [guardian] } = {}) =>
      createGuardianPauser({
        chain: h.chain,
        publicClient: h.client,
        account: guardian,
        guardian: guardianConfig(),
        targets,
        redis,
        keyPrefix,
        log: h.log,
        pollIntervalMs: 25,
        safeSigners: new Map([['pause-safe', signers]]),
      }),
    timeline: async () => (await incidents.get(incident.id))!.timeline,
  };
}

describe('pausing through a Safe (mode safe)', () => {
  it('executes one SafeTx on a 1-of-1 pause Safe whose owner is the guardian, and records its hash, nonce and signers', async () => {
    const s = await setup({ owners: [guardian], threshold: 1 });
    const from = await h.client.getBlockNumber();
    const outcome = await s.pauser().pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
    expect(outcome).toMatchObject({ status: 'paused' });
    expect(await h.paused(s.vault)).toBe(true);
    expect((await readSafeState({ client: h.client, safe: s.safe })).nonce).toBe(1n);
    const timeline = await s.timeline();
    expect(timeline.map((e) => e.type)).toEqual(['anomaly-detected', 'tx-prepared', 'tx-broadcast', 'tx-mined', 'verified-paused']);
    const prepared = timeline.find((e) => e.type === 'tx-prepared')!.data;
    expect(prepared).toMatchObject({ via: 'safe', to: s.safe, safe: s.safe, safeNonce: '0', signers: [guardian.address], txHash: outcome.txHash });
    const execution = await findSafeExecution({ client: h.client, safe: s.safe, safeTxHash: prepared.safeTxHash as `0x${string}`, fromBlock: from });
    expect(execution).toMatchObject({ txHash: outcome.txHash, success: true });
  });

  it('meets a 2-of-3 threshold with two signer keys', async () => {
    const third = privateKeyToAccount(devKeys.deployer);
    const s = await setup({ owners: [guardian, other, third], threshold: 2 });
    const outcome = await s.pauser({ signers: [other, guardian] }).pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
    expect(outcome.status).toBe('paused');
    expect(await h.paused(s.vault)).toBe(true);
    const prepared = (await s.timeline()).find((e) => e.type === 'tx-prepared')!.data;
    expect([...(prepared.signers as string[])].sort()).toEqual([guardian.address, other.address].sort());
  });

  it('gives exactly one Safe execution when the same pause job runs twice and two workers race', async () => {
    const s = await setup({ owners: [guardian], threshold: 1 });
    const second = new Redis(h.redisServer.url);
    try {
      await second.ping();
      const outcomes = await Promise.all([
        s.pauser().pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record }),
        s.pauser({ redis: second }).pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record }),
      ]);
      const again = await s.pauser().pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
      for (const outcome of [...outcomes, again]) expect(['paused', 'already-contained']).toContain(outcome.status);
      expect((await readSafeState({ client: h.client, safe: s.safe })).nonce).toBe(1n);
      expect((await s.timeline()).filter((e) => e.type === 'tx-broadcast')).toHaveLength(1);
    } finally {
      second.disconnect();
    }
  });

  it('signs afresh when the Safe nonce moved before the pause was sent (a human executed another SafeTx)', async () => {
    const s = await setup({ owners: [guardian, other], threshold: 1 });
    const pauser = s.pauser();
    pauser.prefetch('pause-vault'); // reads (and signs) at Safe nonce 0
    // Another owner (not the guardian: its account nonce stays put) uses Safe nonce 0 first.
    await execAsOwners({ client: h.client, safe: s.safe, owners: [other], data: encodeFunctionData({ abi: safeAdminAbi, functionName: 'changeThreshold', args: [1n] }), pollingIntervalMs: 20 });
    const outcome = await pauser.pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
    expect(outcome, outcome.reason).toMatchObject({ status: 'paused' });
    expect(await h.paused(s.vault)).toBe(true);
    expect((await readSafeState({ client: h.client, safe: s.safe })).nonce).toBe(2n);
  });

  it('explains a Safe that lacks the pauser role', async () => {
    const s = await setup({ owners: [guardian], threshold: 1, vaultPauser: 'nobody' });
    const outcome = await s.pauser().pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toContain(`Safe ${s.safe} lacks PAUSER_ROLE`);
    expect((await s.timeline()).map((e) => e.type)).toContain('containment-failed');
  });

  it('explains signers that do not meet the threshold', async () => {
    const s = await setup({ owners: [guardian, other], threshold: 2 });
    const outcome = await s.pauser().pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toMatch(/GS020|GS026/);
    expect(await h.paused(s.vault)).toBe(false);
  });
});
