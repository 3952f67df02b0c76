import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGwei, type Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { devKeys, guardianAccount, guardianConfig, setupPause, startHarness, waitUntil, type Harness } from './test/harness.js';
import { createGuardianPauser } from './pause-guardian.js';
import { createPauseRecordStore } from './pause-record.js';

const guardian = guardianAccount;
const deployer = privateKeyToAccount(devKeys.deployer);
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
}, 30_000);
afterAll(async () => {
  await h?.stop();
});

const setup = (options: { pauser?: Address } = {}) => setupPause(h, options);

describe('guardian pauser', () => {
  it('sends exactly one pause tx, records it before broadcasting, and verifies the pause', async () => {
    const s = await setup();
    const before = await h.nonceOf(guardian.address);
    const pauser = s.pauser();
    await pauser.warmedUp();
    const outcome = await pauser.pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
    expect(outcome).toMatchObject({ status: 'paused', targetId: 'pause-vault' });
    expect(await h.nonceOf(guardian.address)).toBe(before + 1);
    expect(await h.paused(s.vault)).toBe(true);
    expect(await s.types()).toEqual(['anomaly-detected', 'tx-prepared', 'tx-broadcast', 'tx-mined', 'verified-paused']);
    const timeline = (await s.incidents.get(s.incidentId))!.timeline;
    const prepared = timeline.find((e) => e.type === 'tx-prepared')!;
    expect(prepared.data).toMatchObject({ txHash: outcome.txHash, nonce: before, gasLimit: '200000' });
    expect(BigInt(prepared.data.maxFeePerGas as string)).toBeGreaterThan(BigInt(prepared.data.maxPriorityFeePerGas as string));
    const receipt = await h.client.getTransactionReceipt({ hash: outcome.txHash! });
    expect(receipt.to?.toLowerCase()).toBe(s.vault.toLowerCase());
  });

  it('sends one tx when two replicas pause the same target at once', async () => {
    const s = await setup();
    const second = new Redis(h.redisServer.url);
    try {
      await second.ping(); // connected, so both replicas really race for the lock
      const before = await h.nonceOf(guardian.address);
      const outcomes = await Promise.all([
        s.pauser().pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record }),
        // Different fees, so the two replicas could not produce the same signed tx by accident.
        s.pauser({ redis: second, guardian: { feeMultiplier: 4 } }).pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record }),
      ]);
      expect(await h.nonceOf(guardian.address)).toBe(before + 1);
      for (const outcome of outcomes) expect(['paused', 'already-contained']).toContain(outcome.status);
      expect((await s.types()).filter((t) => t === 'tx-broadcast')).toHaveLength(1);
    } finally {
      second.disconnect();
    }
  });

  it('sends nothing when the target is already paused', async () => {
    const s = await setup({ pauser: deployer.address });
    const { createWalletClient, http } = await import('viem');
    const { foundry } = await import('viem/chains');
    const owner = createWalletClient({ chain: foundry, transport: http(h.anvil.url), account: deployer });
    const hash = await owner.writeContract({ address: s.vault, abi: [{ type: 'function', name: 'pause', inputs: [], outputs: [], stateMutability: 'nonpayable' }], functionName: 'pause' });
    await h.client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    const before = await h.nonceOf(guardian.address);
    const outcome = await s.pauser().pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
    expect(outcome.status).toBe('already-contained');
    expect(await h.nonceOf(guardian.address)).toBe(before);
    expect(await s.types()).toEqual(['anomaly-detected', 'already-contained']);
  });

  it('records containment-failed with the reason when the guardian lacks the role, and does not retry blindly', async () => {
    const s = await setup({ pauser: deployer.address });
    const before = await h.nonceOf(guardian.address);
    const outcome = await s.pauser().pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toContain(`guardian ${guardian.address} lacks PAUSER_ROLE to call pause() on vault`);
    expect(outcome.reason).toContain('AccessControlUnauthorizedAccount');
    const retry = await s.pauser().pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
    expect(retry).toMatchObject({ status: 'failed', txHash: outcome.txHash });
    expect(await h.nonceOf(guardian.address)).toBe(before + 1);
    const failed = (await s.incidents.get(s.incidentId))!.timeline.filter((e) => e.type === 'containment-failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.data.reason).toBe(outcome.reason);
  });

  it('a retried job follows the recorded in-flight tx instead of sending another', async () => {
    const s = await setup();
    await h.rpc('evm_setAutomine', [false]);
    try {
      const before = await h.nonceOf(guardian.address);
      const first = s.pauser().pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
      await waitUntil(async () => (await s.types()).includes('tx-broadcast'));
      const retry = s.pauser().pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(await h.nonceOf(guardian.address)).toBe(before + 1);
      await h.rpc('evm_mine');
      const [a, b] = await Promise.all([first, retry]);
      expect(a.status).toBe('paused');
      expect(b).toEqual(a);
      const types = await s.types();
      expect(types.filter((t) => t === 'tx-broadcast')).toHaveLength(1);
      expect(types.filter((t) => t === 'tx-mined')).toHaveLength(1);
    } finally {
      await h.rpc('evm_setAutomine', [true]);
    }
  });

  it('re-broadcasts a tx that was recorded but never broadcast (a crash in between)', async () => {
    const s = await setup();
    const target = h.targetsFor(s.vault)[0]!;
    const nonce = await h.nonceOf(guardian.address);
    const block = await h.client.getBlock();
    const raw = await guardian.signTransaction({
      type: 'eip1559', chainId: 31337, to: s.vault, data: target.calldata, value: 0n, nonce, gas: 200_000n,
      maxFeePerGas: block.baseFeePerGas! * 3n + parseGwei('2'), maxPriorityFeePerGas: parseGwei('2'),
    });
    const { keccak256 } = await import('viem');
    const store = createPauseRecordStore({ redis: h.redis, keyPrefix: s.keyPrefix, chainId: 31337, address: s.vault, selector: target.selector, guardian: guardian.address });
    const lock = await store.acquire();
    await store.commit(lock.token, {
      targetId: 'pause-vault', chainId: 31337, address: s.vault, selector: target.selector, incidentId: s.incidentId, nonce,
      txHashes: [keccak256(raw)], rawTx: raw, maxFeePerGas: '0', maxPriorityFeePerGas: '0', sentAtBlock: Number(block.number),
      status: 'pending', updatedAt: Date.now(),
    });
    await store.release(lock.token);
    const outcome = await s.pauser().pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
    expect(outcome).toMatchObject({ status: 'paused', txHash: keccak256(raw) });
    expect(await h.nonceOf(guardian.address)).toBe(nonce + 1);
  });

  it('throws (so the job retries) when the check cannot be read, without leaving the lock held', async () => {
    const s = await setup();
    const nowhere = '0x00000000000000000000000000000000000b0b00' as Address;
    const pauser = createGuardianPauser({
      chain: h.chain, publicClient: h.client, account: guardian, guardian: guardianConfig(), targets: h.targetsFor(nowhere),
      redis: h.redis, keyPrefix: s.keyPrefix, log: h.log, lockWaitMs: 5_000,
    });
    const before = await h.nonceOf(guardian.address);
    await expect(pauser.pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record })).rejects.toThrow(/returned nothing/);
    const started = Date.now();
    await expect(pauser.pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record })).rejects.toThrow(/returned nothing/);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await h.nonceOf(guardian.address)).toBe(before);
  });

  it('drops the nonce hint of a rejected broadcast, so the next pause signs the nonce the node expects', async () => {
    const s = await setup();
    const balance = await h.client.getBalance({ address: guardian.address });
    const nonce = await h.nonceOf(guardian.address);
    const hintKey = `${s.keyPrefix}:guardian-nonce:31337:${guardian.address.toLowerCase()}`;
    await h.rpc('anvil_setBalance', [guardian.address, '0x0']);
    try {
      const rejected = await s.pauser().pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
      expect(rejected.status).toBe('failed');
      expect(rejected.reason).toMatch(/^the node rejected the pause tx: .*insufficient funds/i);
    } finally {
      await h.rpc('anvil_setBalance', [guardian.address, `0x${balance.toString(16)}`]);
    }
    expect(await h.redis.get(hintKey)).toBeNull();
    expect(await h.nonceOf(guardian.address)).toBe(nonce);
    // The next pause (here: the retried job) within the hint's 30 s must not skip nonce `nonce`: a
    // gapped tx is never mined, so the pause would hang.
    const pausing = s.pauser().pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
    const timeout = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 5_000).unref());
    const outcome = await Promise.race([pausing, timeout]);
    expect(outcome).toMatchObject({ status: 'paused' });
    if (outcome === 'hung') return;
    expect((await h.client.getTransaction({ hash: outcome.txHash! })).nonce).toBe(nonce);
    expect(await h.paused(s.vault)).toBe(true);
  });

  it('keeps a newer nonce hint when clearing the hint of a rejected nonce', async () => {
    const s = await setup();
    const target = h.targetsFor(s.vault)[0]!;
    const store = createPauseRecordStore({ redis: h.redis, keyPrefix: s.keyPrefix, chainId: 31337, address: s.vault, selector: target.selector, guardian: guardian.address });
    const hintKey = `${s.keyPrefix}:guardian-nonce:31337:${guardian.address.toLowerCase()}`;
    await h.redis.set(hintKey, '8');
    await store.forgetNonceHint(7);
    expect(await h.redis.get(hintKey)).toBe('8');
    await store.forgetNonceHint(8);
    expect(await h.redis.get(hintKey)).toBeNull();
  });

  it('sends no second tx when reads prefetched before a sibling\'s verified pause say "not paused"', async () => {
    const s = await setup();
    // A 12 s block time keeps the prefetch fresh (a quarter block) for the whole test.
    const slowChain = { ...h.chain, blockTime: 12 };
    const make = () =>
      createGuardianPauser({
        chain: slowChain, publicClient: h.client, account: guardian, guardian: guardianConfig(), targets: h.targetsFor(s.vault),
        redis: h.redis, keyPrefix: s.keyPrefix, log: h.log, pollIntervalMs: 25,
      });
    const [early, sibling] = [make(), make()];
    const before = await h.nonceOf(guardian.address);
    early.prefetch('pause-vault'); // detection: reads "not paused"
    await new Promise((resolve) => setTimeout(resolve, 100));
    const first = await sibling.pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
    expect(first.status).toBe('paused');
    const second = await early.pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
    expect(second).toEqual(first);
    expect(await h.nonceOf(guardian.address)).toBe(before + 1);
    expect((await s.types()).filter((t) => t === 'tx-prepared')).toHaveLength(1);
  });

  it('never writes the guardian key to logs or Redis', async () => {
    const key = devKeys.guardian.slice(2).toLowerCase();
    expect(h.logText().length).toBeGreaterThan(0);
    expect(h.logText().toLowerCase()).not.toContain(key);
    let dump = '';
    for (const k of await h.redis.keys('*')) {
      const type = await h.redis.type(k);
      if (type === 'string') dump += await h.redis.get(k);
      else if (type === 'list') dump += (await h.redis.lrange(k, 0, -1)).join();
      else if (type === 'hash') dump += JSON.stringify(await h.redis.hgetall(k));
      else if (type === 'set') dump += (await h.redis.smembers(k)).join();
    }
    expect(dump.length).toBeGreaterThan(0);
    expect(dump.toLowerCase()).not.toContain(key);
  });
});
