import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAddress, keccak256, parseGwei, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { makeAnomaly } from './test/anomaly-fixture.js';
import { devKeys, guardianConfig, startHarness, type Harness } from './test/harness.js';
import { broadcastImpersonated, impersonatedAccount, ImpersonationError, isImpersonatedAccount, signedTransactionHash } from './impersonation.js';
import { createGuardianPauser, type PauseParameters } from './pause-guardian.js';

let h: Harness;
let counter = 0;
/** A fresh address nobody holds a key for. */
const keyless = (): Address => getAddress(`0x${(0xdead0000 + ++counter).toString(16).padStart(40, '0')}`);

beforeAll(async () => {
  h = await startHarness();
}, 30_000);
afterAll(async () => {
  await h?.stop();
});

async function impersonate(address: Address): Promise<void> {
  await h.rpc('anvil_impersonateAccount', [address]);
  await h.rpc('anvil_setBalance', [address, '0xde0b6b3a7640000']);
}

async function signFor(address: Address, nonce: number, maxFeePerGas: bigint, chainId = 31337) {
  const account = impersonatedAccount({ address });
  const raw = await account.signTransaction({ type: 'eip1559', chainId, nonce, to: address, data: '0x', value: 0n, gas: 21_000n, maxFeePerGas, maxPriorityFeePerGas: parseGwei('1') });
  return { account, raw, hash: signedTransactionHash({ account, raw }) };
}

describe('impersonated accounts on anvil', () => {
  it('know the hash anvil gives their transaction before it is sent, and anvil stores exactly the bytes they signed', async () => {
    const address = keyless();
    await impersonate(address);
    const { raw, hash } = await signFor(address, 0, parseGwei('20'));
    await broadcastImpersonated({ client: h.client, raw, from: address });
    // Automine mines after answering: wait for the block (the hash was checked by the broadcast already).
    const receipt = await h.client.waitForTransactionReceipt({ hash, pollingInterval: 20, timeout: 10_000 });
    expect(receipt.status).toBe('success');
    expect(getAddress(receipt.from)).toBe(address);
    expect(await h.rpc('eth_getRawTransactionByHash', [hash])).toBe(raw);
    // Not the hash of a key-signed tx: anvil mixes the sender in.
    expect(hash).not.toBe(keccak256(raw));
  });

  it('replace a pending tx at the same nonce like a signed one (the pauser bumps fees this way)', async () => {
    const address = keyless();
    await impersonate(address);
    await h.rpc('anvil_setAutomine', [false]);
    try {
      const first = await signFor(address, 0, parseGwei('20'));
      const second = await signFor(address, 0, parseGwei('30'));
      await broadcastImpersonated({ client: h.client, raw: first.raw, from: address });
      await broadcastImpersonated({ client: h.client, raw: second.raw, from: address });
      await h.rpc('evm_mine');
      expect((await h.client.getTransactionReceipt({ hash: second.hash })).status).toBe('success');
      await expect(h.client.getTransactionReceipt({ hash: first.hash })).rejects.toThrow(/could not be found/);
    } finally {
      await h.rpc('anvil_setAutomine', [true]);
    }
  });

  it('fail loudly when anvil hashes the tx differently from the prediction (here: another chain id)', async () => {
    const address = keyless();
    await impersonate(address);
    const { raw } = await signFor(address, 0, parseGwei('20'), 1);
    await expect(broadcastImpersonated({ client: h.client, raw, from: address })).rejects.toThrow(ImpersonationError);
  });

  it('send bytes signed by a key as they are', async () => {
    const key = privateKeyToAccount(devKeys.other);
    const nonce = await h.nonceOf(key.address);
    const raw = await key.signTransaction({ type: 'eip1559', chainId: 31337, nonce, to: key.address, value: 0n, gas: 21_000n, maxFeePerGas: parseGwei('20'), maxPriorityFeePerGas: 1n });
    await broadcastImpersonated({ client: h.client, raw, from: key.address });
    expect(isImpersonatedAccount(key)).toBe(false);
    expect((await h.client.waitForTransactionReceipt({ hash: signedTransactionHash({ account: key, raw }), pollingInterval: 20, timeout: 10_000 })).status).toBe('success');
  });

  it('give a Safe owner\'s pre-validated signature for a SafeTx and refuse anything else a key would sign', async () => {
    const address = keyless();
    const account = impersonatedAccount({ address });
    const safeTx = { domain: { chainId: 1, verifyingContract: address }, types: { SafeTx: [{ name: 'nonce', type: 'uint256' }] }, primaryType: 'SafeTx', message: { nonce: 0n } } as const;
    const signature = await account.signTypedData(safeTx);
    expect(signature).toBe(`0x${address.slice(2).toLowerCase().padStart(64, '0')}${'0'.repeat(64)}01`);
    await expect(account.signTypedData({ ...safeTx, types: { Other: [{ name: 'nonce', type: 'uint256' }] }, primaryType: 'Other' })).rejects.toThrow(/cannot sign Other/);
    await expect(account.signMessage({ message: 'hi' })).rejects.toThrow(ImpersonationError);
  });
});

describe('the guardian pauser with an impersonated guardian', () => {
  it('pauses with no key, records the hash that is mined before broadcasting it, and sends one tx when asked twice', async () => {
    const guardian = keyless();
    await impersonate(guardian);
    const vault = await h.deployPausable(guardian);
    const keyPrefix = `imp${counter}`;
    const incidents = h.incidents(keyPrefix);
    const { incident } = await incidents.openOrJoin({ anomaly: makeAnomaly(), protocol: 'demo', contracts: ['vault'], windowSeconds: 600 });
    const prepared: Hex[] = [];
    const record: PauseParameters['record'] = (entry, options) => {
      if (entry.type === 'tx-prepared') prepared.push(entry.data.txHash as Hex);
      return incidents.append({ incidentId: incident.id, entry, onceKey: options?.onceKey });
    };
    const pauser = createGuardianPauser({
      chain: h.chain,
      publicClient: h.client,
      account: impersonatedAccount({ address: guardian }),
      guardian: guardianConfig({ address: guardian }),
      targets: h.targetsFor(vault),
      redis: h.redis,
      keyPrefix,
      log: h.log,
      pollIntervalMs: 25,
      broadcast: broadcastImpersonated,
    });
    const nonceBefore = await h.nonceOf(guardian);
    const outcome = await pauser.pause({ targetId: 'pause-vault', incidentId: incident.id, record });
    expect(outcome.status).toBe('paused');
    expect(await h.paused(vault)).toBe(true);
    expect(prepared).toEqual([outcome.txHash]);
    const again = await pauser.pause({ targetId: 'pause-vault', incidentId: incident.id, record });
    expect(again).toMatchObject({ status: 'paused', txHash: outcome.txHash });
    expect(await h.nonceOf(guardian)).toBe(nonceBefore + 1);
    const types = (await incidents.get(incident.id))!.timeline.map((entry) => entry.type);
    expect(types.indexOf('tx-prepared')).toBeLessThan(types.indexOf('tx-broadcast'));
    expect(types).toContain('verified-paused');
  });
});
