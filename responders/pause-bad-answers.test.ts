/**
 * The guardian pauser against wrong RPC answers (found by the RPC answer fuzz, test/e2e/rpc-fuzz.test.ts):
 * its reads go through the seeded fault proxy (test/harness/fault-proxy.ts) in front of a real anvil,
 * with a real redis-server. A pause is never signed on a nonce that is not a quantity; one signed on a
 * plausible but wrong nonce (it waits behind a nonce gap) is given up and sent again at the real
 * nonce; it settles only on a receipt of its own tx. Each test ends with exactly one pause mined, at
 * the guardian's real nonce.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, http, type Hex, type PublicClient } from 'viem';
import { foundry } from 'viem/chains';
import { startFaultProxy, type FaultProxy } from '../test/harness/fault-proxy.js';
import { PauseTransientError, type PauseOutcome } from './pause-guardian.js';
import { findOwnReceipt } from './pause-reads.js';
import { devKeys, guardianAccount as guardian, setupPause, startHarness, waitUntil, type Harness, type PauseSetup } from './test/harness.js';
import { privateKeyToAccount } from 'viem/accounts';

let h: Harness;
let proxy: FaultProxy;
/** The pauser's client: every read and the broadcast go through the proxy. */
let client: PublicClient;

beforeAll(async () => {
  h = await startHarness();
  proxy = await startFaultProxy({ target: h.anvil.url, seed: 61 });
  client = createPublicClient({ chain: foundry, transport: http(proxy.url) }) as PublicClient;
}, 30_000);
afterAll(async () => {
  await proxy?.stop();
  await h?.stop();
});

const minedNonce = () => h.client.getTransactionCount({ address: guardian.address, blockTag: 'latest' });
const entries = async (s: PauseSetup, type: string) => (await s.timeline()).filter((e) => e.type === type).map((e) => e.data);
const pauseOf = (s: PauseSetup) => s.pauser({ client }).pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });

/** The outcome is a pause mined at `nonce`, and it is the only tx of the guardian since. */
async function expectPausedAt(nonce: number, outcome: PauseOutcome, s: PauseSetup): Promise<void> {
  expect(outcome.status).toBe('paused');
  expect((await h.client.getTransaction({ hash: outcome.txHash! })).nonce).toBe(nonce);
  expect(await minedNonce()).toBe(nonce + 1);
  expect(await h.paused(s.vault)).toBe(true);
}

describe('a pause against wrong answers', () => {
  it('refuses a nonce answered as a JSON number: nothing is signed on it, and the retried pause signs the real nonce', async () => {
    const s = await setupPause(h);
    const nonce = await minedNonce();
    proxy.faults = { malformedRate: 1, malformedKinds: ['wrongType'], methods: ['eth_getTransactionCount'] };
    const error = await pauseOf(s).catch((e: unknown) => e);
    expect(proxy.injected().wrongType).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(PauseTransientError);
    expect((error as Error).message).toMatch(/nonce could not be read.*not a hex quantity/);
    expect(await s.types()).not.toContain('tx-prepared');

    proxy.faults = {};
    await expectPausedAt(nonce, await pauseOf(s), s);
  });

  it('gives up a pause signed on a nonce ahead of the real one (it waits behind a nonce gap) and pauses at the real nonce', async () => {
    const s = await setupPause(h);
    const nonce = await minedNonce();
    await h.rpc('evm_setAutomine', [false]);
    const miner = setInterval(() => void h.rpc('evm_mine').catch(() => {}), 100);
    try {
      // Both nonce reads lie alike (40 ahead, well-formed): nothing tells them apart until blocks pass.
      proxy.faults = { malformedRate: 1, malformedKinds: ['aheadNonce'], methods: ['eth_getTransactionCount'] };
      const pausing = pauseOf(s);
      await waitUntil(async () => (await s.types()).includes('tx-broadcast'));
      proxy.faults = {};
      const outcome = await pausing;
      await expectPausedAt(nonce, outcome, s);
      const prepared = await entries(s, 'tx-prepared');
      expect(prepared.map((data) => data.nonce)).toEqual([nonce + 40, nonce]);
      expect(await entries(s, 'tx-replaced')).toEqual([]); // a fee bump at the gapped nonce would not have helped
      expect(h.logText()).toContain('pause tx waits behind a nonce gap');
      // The gapped version is still queued at nonce + 40: drop it so later tests start clean.
      await h.rpc('anvil_dropTransaction', [prepared[0]!.txHash as Hex]);
    } finally {
      clearInterval(miner);
      await h.rpc('evm_setAutomine', [true]);
    }
  });

  it('settles only on a receipt of its own tx: another tx\'s receipt answered for it is no receipt yet', async () => {
    const s = await setupPause(h);
    const nonce = await minedNonce();
    await h.rpc('evm_setAutomine', [false]);
    try {
      // Another tx in the block the pause lands in: the proxy answers with its receipt.
      const other = privateKeyToAccount(devKeys.other).address;
      const otherTx = (await h.rpc('eth_sendTransaction', [{ from: other, to: other, value: '0x1' }])) as Hex;
      proxy.faults = { malformedRate: 1, malformedKinds: ['otherReceipt'], methods: ['eth_getTransactionReceipt'] };
      const before = proxy.injected().otherReceipt ?? 0;
      const pausing = pauseOf(s);
      await waitUntil(async () => (await s.types()).includes('tx-broadcast'));
      await h.rpc('evm_mine');
      // Every receipt answer is now the other tx's; after two of them, honest answers again.
      await waitUntil(() => (proxy.injected().otherReceipt ?? 0) >= before + 2);
      proxy.faults = {};
      const outcome = await pausing;
      const ours = (await entries(s, 'tx-prepared'))[0]!.txHash;
      expect(outcome.txHash).toBe(ours);
      expect((await entries(s, 'tx-mined')).map((data) => data.txHash)).toEqual([ours]);
      expect((await h.client.getTransactionReceipt({ hash: otherTx })).blockNumber).toBe(BigInt(outcome.blockNumber!));
      expect(h.logText()).toContain('ignoring a receipt that is not the pause tx');
      await expectPausedAt(nonce, outcome, s);
    } finally {
      await h.rpc('evm_setAutomine', [true]);
    }
  });

  it('reads a receipt with a field missing as no receipt yet (or, when the field is one a pause does not use, as the receipt), never as a crash', async () => {
    const s = await setupPause(h);
    const outcome = await pauseOf(s);
    const log = h.log.child({ test: 'missing fields' });
    proxy.faults = { malformedRate: 1, malformedKinds: ['missingField'], methods: ['eth_getTransactionReceipt'] };
    const reads = [];
    for (let i = 0; i < 30; i++) reads.push(await findOwnReceipt({ client, hashes: [outcome.txHash!], log }));
    proxy.faults = {};
    expect(proxy.injected().missingField).toBeGreaterThanOrEqual(30);
    const used = reads.filter((receipt) => receipt !== undefined);
    expect(used.length).toBeLessThan(30); // some missing fields are ones a pause settles on
    for (const receipt of used) {
      expect(receipt).toMatchObject({ transactionHash: outcome.txHash, status: 'success', blockNumber: BigInt(outcome.blockNumber!) });
      expect(typeof receipt!.gasUsed).toBe('bigint');
    }
  });
});
