/**
 * Pausing through a pause-only role (mode safe-module): real Safe 1.4.1, a Roles-v2-compatible module
 * fixture, real redis-server. The guardian is NOT an owner of the Safe: it is a role member that may make
 * the Safe call pause() on the vault and nothing else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toFunctionSelector, type Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { SafeConfig } from '../src/config/schema.js';
import { grantPauseRole, deployPauseRolesModule, revokeRoleFunction } from '../src/drill/pause-roles-module.js';
import { createSafe, deploySafeSingletons } from '../src/drill/safe-deploy.js';
import { createGuardianPauser, type PauseParameters } from './pause-guardian.js';
import { roleKeyFromConfig } from './safe/roles.js';
import { makeAnomaly } from './test/anomaly-fixture.js';
import { devKeys, guardianConfig, startHarness, type Harness } from './test/harness.js';

const guardian = privateKeyToAccount(devKeys.guardian);
const owner = privateKeyToAccount(devKeys.deployer);
const roleKey = roleKeyFromConfig('PAUSER');
let h: Harness;
let safe: Address;
let module: Address;
let counter = 0;

beforeAll(async () => {
  h = await startHarness();
  const singletons = await deploySafeSingletons({ client: h.client, deployer: owner, pollingIntervalMs: 20 });
  safe = await createSafe({ client: h.client, deployer: owner, singletons, owners: [owner.address], threshold: 1, pollingIntervalMs: 20 });
  module = await deployPauseRolesModule({ client: h.client, safe, owner, safeOwners: [owner], pollingIntervalMs: 20 });
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

async function setup() {
  const keyPrefix = `sm${++counter}`;
  const vault = await h.deployPausable(safe);
  const admin = { client: h.client, module, owner, pollingIntervalMs: 20 };
  await grantPauseRole({ ...admin, member: guardian.address, roleKey, target: vault, selector: toFunctionSelector('function pause()') });
  const safes: SafeConfig[] = [{ id: 'treasury', chain: 31337, address: safe, appUrl: 'https://app.safe.global' }];
  const targets = h.targetsFor(vault, { via: { mode: 'safe-module', safe: 'treasury', module, roleKey: 'PAUSER' } }, safes);
  const incidents = h.incidents(keyPrefix);
  const { incident } = await incidents.openOrJoin({ anomaly: makeAnomaly(), protocol: 'demo', contracts: ['vault'], windowSeconds: 600 });
  const record: PauseParameters['record'] = (entry, o) => incidents.append({ incidentId: incident.id, entry, onceKey: o?.onceKey });
  const pauser = createGuardianPauser({ chain: h.chain, publicClient: h.client, account: guardian, guardian: guardianConfig(), targets, redis: h.redis, keyPrefix, log: h.log, pollIntervalMs: 25 });
  const timeline = async () => (await incidents.get(incident.id))!.timeline;
  return { vault, pauser, record, incidentId: incident.id, timeline, admin };
}

describe('pausing through a pause-only Roles module (mode safe-module)', () => {
  it('calls execTransactionWithRole on the module, which makes the Safe pause the vault', async () => {
    const s = await setup();
    const outcome = await s.pauser.pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
    expect(outcome.status).toBe('paused');
    expect(await h.paused(s.vault)).toBe(true);
    const receipt = await h.client.getTransactionReceipt({ hash: outcome.txHash! });
    expect(receipt.to?.toLowerCase()).toBe(module.toLowerCase());
    const prepared = (await s.timeline()).find((entry) => entry.type === 'tx-prepared')!.data;
    expect(prepared).toMatchObject({ via: 'safe-module', to: module });
  });

  it('explains a revoked role instead of retrying blindly', async () => {
    const s = await setup();
    await revokeRoleFunction({ ...s.admin, roleKey, target: s.vault, selector: toFunctionSelector('function pause()') });
    const outcome = await s.pauser.pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
    expect(outcome.status, outcome.reason).toBe('failed');
    expect(outcome.reason, outcome.reason).toContain(`through Roles module ${module} reverted: ConditionViolation(FunctionNotAllowed)`);
    expect(await h.paused(s.vault)).toBe(false);
  });
});
