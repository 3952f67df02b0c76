/**
 * A stuck pause (issue 6): a pause tx priced too low is replaced at the same nonce with a fee bump
 * within one block (replaceAfterBlocks: 1), and a replacement never races a version that was mined.
 * Real anvil with automine off (blocks mined by the test, so "which block" is exact; anvil orders
 * pending txs by maxFeePerGas) and a real redis-server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGwei, toHex, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { PauseOutcome } from './pause-guardian.js';
import { createHoldingClient } from './test/held-requests.js';
import { devKeys, guardianAccount as guardian, setupPause, startHarness, waitUntil, type Harness, type PauseSetup } from './test/harness.js';

const competitor = privateKeyToAccount(devKeys.deployer);
/** Priced just above the base fee, with a tiny tip: anything above it goes first. */
const cheap = { feeMultiplier: 1, priorityFee: 1n, replaceAfterBlocks: 1 };
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
}, 30_000);
afterAll(async () => {
  await h?.stop();
});

/** The vault and incident (deployed with automine on), then automine off: from here the test mines. */
async function setup(): Promise<PauseSetup> {
  await h.rpc('evm_setAutomine', [true]);
  const s = await setupPause(h);
  await h.rpc('evm_setAutomine', [false]);
  return s;
}
const mine = async () => {
  await h.rpc('evm_mine');
  return Number(await h.client.getBlockNumber({ cacheTime: 0 }));
};
const entry = async (s: PauseSetup, type: string) => (await s.timeline()).find((e) => e.type === type)?.data;
const entries = async (s: PauseSetup, type: string) => (await s.timeline()).filter((e) => e.type === type).map((e) => e.data);
const minedNonce = () => h.client.getTransactionCount({ address: guardian.address, blockTag: 'latest' });

/** Ends every test: exactly one guardian tx was mined, at `nonce`, and none is pending at another. */
async function expectOnlyOnePause(nonce: number, outcome: PauseOutcome) {
  expect(outcome.status).toBe('paused');
  expect((await h.client.getTransaction({ hash: outcome.txHash! })).nonce).toBe(nonce);
  expect(await minedNonce()).toBe(nonce + 1);
  await mine();
  expect(await h.nonceOf(guardian.address)).toBe(nonce + 1); // pending too: nothing else in flight
}

/** A tx of another account that burns all its 280k gas (init code that loops until out of gas): most of a 300k-gas block. */
async function sendBlockFiller(maxFeePerGas: bigint): Promise<Hex> {
  const loopForever = '0x5b600056'; // JUMPDEST PUSH1 0 JUMP
  return (await h.rpc('eth_sendTransaction', [
    { from: competitor.address, data: loopForever, gas: toHex(280_000), maxFeePerGas: toHex(maxFeePerGas), maxPriorityFeePerGas: toHex(maxFeePerGas) },
  ])) as Hex;
}

/** Runs `test` with 300k-gas blocks (so a filler keeps a pause out), then restores them and mines what is left. */
async function withSmallBlocks(test: () => Promise<void>): Promise<void> {
  await h.rpc('evm_setBlockGasLimit', [toHex(300_000)]);
  try {
    await test();
  } finally {
    await h.rpc('evm_setBlockGasLimit', [toHex(30_000_000)]);
    await mine();
  }
}

describe('a stuck pause', () => {
  it('priced below the base fee: replaced at the same nonce after one block, and mined in the block after the replacement', async () => {
    const s = await setup();
    const nonce = await h.nonceOf(guardian.address);
    const pausing = s.pauser({ guardian: cheap }).pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
    await waitUntil(async () => (await s.types()).includes('tx-broadcast'));
    // The next block's base fee jumps above the tx's maxFeePerGas: it stays out.
    await h.rpc('anvil_setNextBlockBaseFeePerGas', [toHex(parseGwei('50'))]);
    const missed = await mine();
    await waitUntil(async () => (await s.types()).includes('tx-replaced'));
    const prepared = (await entry(s, 'tx-prepared'))!;
    const replaced = (await entry(s, 'tx-replaced'))!;
    expect(replaced).toMatchObject({ replacedTxHash: prepared.txHash, nonce, blocksWaited: 1 });
    expect(BigInt(replaced.maxFeePerGas as string) * 8n).toBeGreaterThanOrEqual(BigInt(prepared.maxFeePerGas as string) * 9n);
    expect(BigInt(replaced.maxFeePerGas as string)).toBeGreaterThanOrEqual(parseGwei('50')); // what the chain asks now
    expect(await h.paused(s.vault)).toBe(false);

    const next = await mine();
    const outcome = await pausing;
    expect(outcome).toMatchObject({ txHash: replaced.txHash, blockNumber: missed + 1 });
    expect(next).toBe(missed + 1);
    expect(await entries(s, 'tx-replaced')).toHaveLength(1);
    await expectOnlyOnePause(nonce, outcome);
  });

  it('priced below a competing tx that fills the block: the bump outbids the next competitor in the next block', async () => {
    const s = await setup();
    await withSmallBlocks(async () => {
      const nonce = await h.nonceOf(guardian.address);
      await sendBlockFiller(parseGwei('100'));
      const pausing = s.pauser({ guardian: cheap }).pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
      await waitUntil(async () => (await s.types()).includes('tx-broadcast'));
      const missed = await mine(); // the filler goes first (higher maxFeePerGas); the pause does not fit
      expect((await h.client.getBlock({ blockNumber: BigInt(missed) })).transactions).toHaveLength(1);
      await waitUntil(async () => (await s.types()).includes('tx-replaced'));
      const original = BigInt((await entry(s, 'tx-prepared'))!.maxFeePerGas as string);
      const replaced = (await entry(s, 'tx-replaced'))!;
      const bumped = BigInt(replaced.maxFeePerGas as string);
      // The attacker keeps filling blocks, outbidding the original pause but not the replacement.
      const fillerFee = (original + bumped) / 2n;
      const filler = await sendBlockFiller(fillerFee);

      const next = await mine();
      const outcome = await pausing;
      expect(outcome).toMatchObject({ txHash: replaced.txHash, blockNumber: next });
      // The filler could pay that block's base fee: it lost on price, not on the base fee.
      const block = await h.client.getBlock({ blockNumber: BigInt(next) });
      expect(fillerFee).toBeGreaterThanOrEqual(block.baseFeePerGas!);
      expect(block.transactions).toEqual([replaced.txHash]);
      expect(block.transactions).not.toContain(filler);
      expect(next).toBe(missed + 1);
      await expectOnlyOnePause(nonce, outcome);
    });
  });

  it('sends no replacement when the receipt is there at the head that makes the tx look late', async () => {
    // The follow loop's head read is held while the block that mines the pause arrives, so the head it
    // reads is that block. Reading the receipt after the head finds the tx mined: nothing replaced.
    const s = await setup();
    const holding = createHoldingClient(h.anvil.url);
    const nonce = await h.nonceOf(guardian.address);
    const pausing = s.pauser({ client: holding.client, guardian: { replaceAfterBlocks: 1 } }).pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
    await waitUntil(async () => (await s.types()).includes('tx-broadcast'));
    const headRead = holding.holdNext('eth_blockNumber');
    await headRead.arrived;
    const minedIn = await mine();
    headRead.release();
    const outcome = await pausing;
    expect(outcome).toMatchObject({ txHash: (await entry(s, 'tx-prepared'))!.txHash, blockNumber: minedIn });
    expect(await s.types()).not.toContain('tx-replaced');
    await expectOnlyOnePause(nonce, outcome);
  });

  it('a replacement refused as "nonce too low" (the original was mined first) ends with the original\'s receipt', async () => {
    const s = await setup();
    const holding = createHoldingClient(h.anvil.url);
    await withSmallBlocks(async () => {
      const nonce = await h.nonceOf(guardian.address);
      await sendBlockFiller(parseGwei('100'));
      const pausing = s.pauser({ client: holding.client, guardian: cheap }).pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
      await waitUntil(async () => (await s.types()).includes('tx-broadcast'));
      const replacementSent = holding.holdNext('eth_sendRawTransaction');
      await mine(); // the filler goes first; the original stays out (still pending)
      await replacementSent.arrived; // signed, recorded, on its way to the node
      const minedIn = await mine(); // the original gets in after all
      replacementSent.release();

      const outcome = await pausing;
      const prepared = (await entry(s, 'tx-prepared'))!;
      expect(outcome).toMatchObject({ status: 'paused', txHash: prepared.txHash, blockNumber: minedIn });
      expect((await entries(s, 'tx-replaced')).map((e) => e.replacedTxHash)).toEqual([prepared.txHash]);
      expect((await entries(s, 'tx-mined')).map((e) => e.txHash)).toEqual([prepared.txHash]);
      expect(await s.types()).not.toContain('containment-failed');
      expect(h.logText()).toContain('replacement refused (nonce too low)');
      await expectOnlyOnePause(nonce, outcome);
    });
  });

  it('a nonce taken by another tx of the guardian: decides afresh (the check first) and pauses once at the next nonce', async () => {
    const s = await setup();
    const nonce = await h.nonceOf(guardian.address);
    const pausing = s.pauser({ guardian: cheap }).pause({ targetId: 'pause-vault', incidentId: s.incidentId, record: s.record });
    await waitUntil(async () => (await s.types()).includes('tx-broadcast'));
    // Someone else uses the guardian key at the same nonce, paying more: it replaces the pause in the pool.
    const foreign = await guardian.signTransaction({
      type: 'eip1559', chainId: 31337, nonce, to: guardian.address, value: 0n, gas: 21_000n, maxFeePerGas: parseGwei('500'), maxPriorityFeePerGas: parseGwei('2'),
    });
    await h.rpc('eth_sendRawTransaction', [foreign]);
    await mine();
    await waitUntil(async () => (await entries(s, 'tx-broadcast')).length === 2);
    const second = (await entries(s, 'tx-prepared'))[1]!;
    expect(second.nonce).toBe(nonce + 1);
    expect(await s.types()).not.toContain('tx-replaced'); // the used nonce is never replaced
    await mine();
    const outcome = await pausing;
    expect(outcome.txHash).toBe(second.txHash);
    expect(h.logText()).toContain(`pause tx lost: nonce ${nonce} was used by another transaction of the guardian`);
    await expectOnlyOnePause(nonce + 1, outcome);
  });
});
