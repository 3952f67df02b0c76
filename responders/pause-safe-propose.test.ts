/**
 * Mode safe-propose against real Safe 1.4.1 contracts and the Transaction Service stand-in: warden
 * proposes the pausing SafeTx with its one signature; the co-signers (here: the other owner, with
 * the signature the service holds) execute it; warden sees the execution and contains the incident.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFunctionData, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { SafeConfig } from '../src/config/schema.js';
import { createSafe, deploySafeSingletons, execAsOwners, safeAdminAbi, sendAndConfirm } from '../src/drill/safe-deploy.js';
import { startSafeTxServiceStandIn, type SafeTxServiceStandIn } from '../src/drill/safe-tx-service.js';
import { createGuardianPauser, type PauseParameters } from './pause-guardian.js';
import { buildSafeTx, encodeExecTransaction, encodeSignatureForOwner, readSafeState } from './safe/safe-tx.js';
import { createTransactionServiceClient } from './safe/transaction-service.js';
import { makeAnomaly } from './test/anomaly-fixture.js';
import { devKeys, guardianConfig, startHarness, type Harness } from './test/harness.js';

const guardian = privateKeyToAccount(devKeys.guardian);
const deployer = privateKeyToAccount(devKeys.deployer);
const cosigner = privateKeyToAccount(devKeys.other);
let h: Harness;
let service: SafeTxServiceStandIn;
let safe: Address;
let counter = 0;

beforeAll(async () => {
  h = await startHarness();
  const singletons = await deploySafeSingletons({ client: h.client, deployer, pollingIntervalMs: 20 });
  safe = await createSafe({ client: h.client, deployer, singletons, owners: [guardian.address, cosigner.address], threshold: 2, pollingIntervalMs: 20 });
  service = await startSafeTxServiceStandIn({ chainId: 31337, owners: [guardian.address, cosigner.address], threshold: 2 });
}, 60_000);
afterAll(async () => {
  await service?.close();
  await h?.stop();
});

async function setup() {
  const keyPrefix = `sp${++counter}`;
  const vault = await h.deployPausable(safe);
  const safes: SafeConfig[] = [{ id: 'multisig', chain: 31337, address: safe, appUrl: 'https://app.safe.global', transactionService: { url: service.url, timeout: 5 } }];
  const targets = h.targetsFor(vault, { via: { mode: 'safe-propose', safe: 'multisig' } }, safes);
  const incidents = h.incidents(keyPrefix);
  const { incident } = await incidents.openOrJoin({ anomaly: makeAnomaly(), protocol: 'demo', contracts: ['vault'], windowSeconds: 600 });
  const record: PauseParameters['record'] = (entry, o) => incidents.append({ incidentId: incident.id, entry, onceKey: o?.onceKey });
  const pauser = createGuardianPauser({
    chain: h.chain,
    publicClient: h.client,
    account: guardian,
    guardian: guardianConfig(),
    targets,
    redis: h.redis,
    keyPrefix,
    log: h.log,
    pollIntervalMs: 25,
    safeSigners: new Map([['multisig', [guardian]]]),
    proposals: { safes, services: new Map([['multisig', createTransactionServiceClient({ url: service.url })]]), incidents },
  });
  const get = async () => (await incidents.get(incident.id))!;
  return { vault, pauser, record, incidentId: incident.id, get };
}

/** What the co-signer does in the Safe app: add its signature to warden's and execute. */
async function coSignAndExecute(safeTxHash: Hex): Promise<Hex> {
  const proposal = service.proposals().find((p) => p.safeTxHash === safeTxHash)!;
  const wardenSignature = proposal.confirmations.get(guardian.address)!.signature;
  const tx = buildSafeTx({ to: proposal.to, data: proposal.data!, nonce: proposal.nonce });
  // Signatures sorted by owner address; the co-signer submits, so its own is the pre-validated form.
  const parts = [
    { owner: guardian.address, signature: wardenSignature },
    { owner: cosigner.address, signature: encodeSignatureForOwner(cosigner.address) },
  ].sort((a, b) => (BigInt(a.owner) < BigInt(b.owner) ? -1 : 1));
  const signatures = `0x${parts.map((part) => part.signature.slice(2)).join('')}` as Hex;
  const receipt = await sendAndConfirm({ client: h.client, account: cosigner, to: safe, data: encodeExecTransaction({ tx, signatures }), label: 'co-signers execute', pollingIntervalMs: 20 });
  return receipt.transactionHash;
}

async function paused(vault: Address): Promise<boolean> {
  return (await h.client.readContract({ address: vault, abi: [{ type: 'function', name: 'paused', inputs: [], outputs: [{ type: 'bool' }], stateMutability: 'view' }], functionName: 'paused' })) as boolean;
}

describe('pausing through a proposal to the Safe co-signers (mode safe-propose)', () => {
  it('proposes once, stays open until the co-signers execute, then records the execution and is contained', async () => {
    const s = await setup();
    const guardianNonce = await h.nonceOf(guardian.address);
    const first = await s.pauser.pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
    const again = await s.pauser.pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
    expect(first).toMatchObject({ status: 'proposed', targetId: 'pause-vault' });
    expect(again.safeTxHash).toBe(first.safeTxHash);
    expect(service.proposals().filter((p) => p.safeTxHash === first.safeTxHash)).toHaveLength(1);
    expect(await h.nonceOf(guardian.address)).toBe(guardianNonce); // warden sent nothing itself

    const proposed = (await s.get()).timeline.filter((entry) => entry.type === 'safe-tx-proposed');
    expect(proposed).toHaveLength(1);
    expect(proposed[0]!.data).toMatchObject({ safeTxHash: first.safeTxHash, safe, proposer: guardian.address, safeNonce: (await readSafeState({ client: h.client, safe })).nonce.toString() });

    await s.pauser.watchProposals();
    expect((await s.get()).status).toBe('open');

    const executedIn = await coSignAndExecute(first.safeTxHash!);
    expect(await paused(s.vault)).toBe(true);
    await s.pauser.watchProposals();
    const incident = await s.get();
    expect(incident.status).toBe('contained');
    const types = incident.timeline.map((entry) => entry.type);
    expect(types.slice(types.indexOf('safe-tx-proposed'))).toEqual(['safe-tx-proposed', 'safe-tx-executed', 'verified-paused', 'status-changed']);
    expect(incident.timeline.find((entry) => entry.type === 'safe-tx-executed')!.data).toMatchObject({ txHash: executedIn, success: true });
  });

  it('proposes again at the new nonce when people executed another SafeTx first', async () => {
    const s = await setup();
    const first = await s.pauser.pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
    await execAsOwners({ client: h.client, safe, owners: [guardian, cosigner], data: encodeFunctionData({ abi: safeAdminAbi, functionName: 'changeThreshold', args: [2n] }), pollingIntervalMs: 20 });
    await s.pauser.watchProposals();
    const proposals = (await s.get()).timeline.filter((entry) => entry.type === 'safe-tx-proposed');
    expect(proposals).toHaveLength(2);
    const second = proposals[1]!.data.safeTxHash as Hex;
    expect(second).not.toBe(first.safeTxHash);
    await coSignAndExecute(second);
    await s.pauser.watchProposals();
    expect((await s.get()).status).toBe('contained');
  });
});
