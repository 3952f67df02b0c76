/**
 * The demo world on a real anvil in automine mode (a block per transaction, so these stay fast):
 * deployment and seeding, the vault's access control, the planted bug, and the drain attack.
 * Each test runs from a snapshot of the freshly seeded chain so they do not depend on each other.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  createWalletClient,
  http,
  type Address,
  type Hex,
  type PublicClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demoTokenAbi, demoVaultAbi } from './abis.js';
import { drillAccounts, FRESH_ANVIL_TOKEN_ADDRESS, FRESH_ANVIL_VAULT_ADDRESS } from './accounts.js';
import { runDrainAttack } from './attack.js';
import { deployDemoProtocol, type DeployDemoProtocolReturnType } from './demo-protocol.js';
import { startAnvil, type Anvil } from './processes.js';
import { createDrillClient } from './tx.js';

const DEMO = 10n ** 18n;
const { deployer, guardian, attacker, depositors } = drillAccounts;

let anvil: Anvil;
let client: PublicClient;
let demo: DeployDemoProtocolReturnType;
let seeded: Hex;

function wallet(key: Hex) {
  return createWalletClient({ account: privateKeyToAccount(key), chain: foundry, transport: http(anvil.url) });
}

/** The custom error name a failed write or simulation reverted with. */
function revertName(error: unknown): string | undefined {
  const reverted = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
  return reverted instanceof ContractFunctionRevertedError ? reverted.data?.errorName : undefined;
}

async function expectRevert(write: Promise<unknown>, errorName: string): Promise<void> {
  const error = await write.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a revert with ${errorName}`).toBeDefined();
  expect(revertName(error)).toBe(errorName);
}

/** Waits for the write's receipt: with many test files at once, anvil may answer before it has mined. */
async function mined(write: Promise<Hex>): Promise<void> {
  const receipt = await client.waitForTransactionReceipt({ hash: await write });
  expect(receipt.status).toBe('success');
}

const readVault = <F extends 'paused' | 'totalDeposits'>(functionName: F) =>
  client.readContract({ address: demo.vault, abi: demoVaultAbi, functionName });

beforeAll(async () => {
  anvil = await startAnvil();
  client = createDrillClient({ rpcUrl: anvil.url });
  demo = await deployDemoProtocol({
    rpcUrl: anvil.url,
    deployerKey: deployer.key,
    guardianAddress: guardian.address,
    depositors,
  });
  seeded = await client.request({ method: 'evm_snapshot' } as never);
});

beforeEach(async () => {
  // evm_revert consumes the snapshot; take a new one right away.
  await client.request({ method: 'evm_revert', params: [seeded] } as never);
  seeded = await client.request({ method: 'evm_snapshot' } as never);
});

afterAll(async () => {
  await anvil?.stop();
});

describe('deployDemoProtocol', () => {
  it('deploys DEMO and the vault at the addresses it reports, seeded with 1,000,000 DEMO in uneven deposits', async () => {
    // A fresh anvil and dev account #0: the addresses config/drill.yaml defaults to.
    expect(demo.token).toBe(FRESH_ANVIL_TOKEN_ADDRESS);
    expect(demo.vault).toBe(FRESH_ANVIL_VAULT_ADDRESS);
    expect(demo).toMatchObject({ symbol: 'DEMO', decimals: 18, totalDeposits: 1_000_000n * DEMO, admin: deployer.address });
    expect(await client.readContract({ address: demo.token, abi: demoTokenAbi, functionName: 'name' })).toBe('Demo Token');
    expect(await client.readContract({ address: demo.token, abi: demoTokenAbi, functionName: 'balanceOf', args: [demo.vault] })).toBe(
      1_000_000n * DEMO,
    );
    expect(new Set(depositors.map((d) => d.amount)).size).toBe(depositors.length);
    for (const depositor of depositors) {
      const deposit = await client.readContract({ address: demo.vault, abi: demoVaultAbi, functionName: 'depositOf', args: [depositor.address] });
      expect(deposit).toBe(depositor.amount);
    }
    const pauserRole = await client.readContract({ address: demo.vault, abi: demoVaultAbi, functionName: 'PAUSER_ROLE' });
    expect(await client.readContract({ address: demo.vault, abi: demoVaultAbi, functionName: 'hasRole', args: [pauserRole, guardian.address] })).toBe(true);
    expect(await client.readContract({ address: demo.vault, abi: demoVaultAbi, functionName: 'hasRole', args: [pauserRole, attacker.address] })).toBe(false);
  });
});

describe('DemoVault access control', () => {
  it('lets the guardian pause and the admin unpause; stops every state change while paused', async () => {
    const alice = depositors[0]!;
    await mined(wallet(guardian.key).writeContract({ address: demo.vault, abi: demoVaultAbi, functionName: 'pause' }));
    expect(await readVault('paused')).toBe(true);
    await expectRevert(
      wallet(alice.key).writeContract({ address: demo.vault, abi: demoVaultAbi, functionName: 'withdraw', args: [1n] }),
      'EnforcedPause',
    );
    // Unpausing is a human decision: the guardian cannot.
    await expectRevert(
      wallet(guardian.key).writeContract({ address: demo.vault, abi: demoVaultAbi, functionName: 'unpause' }),
      'AccessControlUnauthorizedAccount',
    );
    await mined(wallet(deployer.key).writeContract({ address: demo.vault, abi: demoVaultAbi, functionName: 'unpause' }));
    expect(await readVault('paused')).toBe(false);
    await mined(wallet(alice.key).writeContract({ address: demo.vault, abi: demoVaultAbi, functionName: 'withdraw', args: [5n * DEMO] }));
    expect(await readVault('totalDeposits')).toBe(1_000_000n * DEMO - 5n * DEMO);
  });

  it('refuses a pause from an account without PAUSER_ROLE', async () => {
    await expectRevert(
      wallet(attacker.key).writeContract({ address: demo.vault, abi: demoVaultAbi, functionName: 'pause' }),
      'AccessControlUnauthorizedAccount',
    );
    expect(await readVault('paused')).toBe(false);
  });

  it('has the planted bug: anyone can move anyone’s deposit with withdrawTo', async () => {
    const victim = depositors[1]!;
    const { result } = await client.simulateContract({
      account: attacker.address,
      address: demo.vault,
      abi: demoVaultAbi,
      functionName: 'withdrawTo',
      args: [victim.address, attacker.address, victim.amount],
    });
    expect(result).toBeUndefined(); // no revert
  });
});

describe('runDrainAttack', () => {
  it('drains a slice per step while unpaused; its next step after a pause reverts and ends the attack', async () => {
    const victims: Address[] = depositors.map((d) => d.address);
    const vaultBalanceBefore = await client.readContract({ address: demo.token, abi: demoTokenAbi, functionName: 'balanceOf', args: [demo.vault] });
    const result = await runDrainAttack({
      rpcUrl: anvil.url,
      attackerKey: attacker.key,
      vault: demo.vault,
      victims,
      onStep: async (step) => {
        // The guardian reacts after the second successful step.
        if (step.index === 1) await wallet(guardian.key).writeContract({ address: demo.vault, abi: demoVaultAbi, functionName: 'pause' });
      },
    });
    expect(result.steps.map((step) => step.status)).toEqual(['success', 'success', 'reverted']);
    expect(result.stopReason).toBe('reverted');
    expect(result.sliceAmount).toBe(100_000n * DEMO);
    expect(result.steps.map((step) => step.amount)).toEqual([100_000n * DEMO, 100_000n * DEMO, 100_000n * DEMO]);
    // Largest remaining deposit first: 320k, then 245k (the first is down to 220k).
    expect(result.steps.map((step) => step.victim)).toEqual([depositors[0]!.address, depositors[1]!.address, depositors[0]!.address]);
    expect(result.exploitBlock).toBe(result.steps[0]!.blockNumber);
    expect(result.valueLost).toBe(200_000n * DEMO);

    // The chain agrees: the attacker holds exactly what was lost, the vault's books dropped by the same.
    expect(await client.readContract({ address: demo.token, abi: demoTokenAbi, functionName: 'balanceOf', args: [attacker.address] })).toBe(
      result.valueLost,
    );
    expect(await client.readContract({ address: demo.token, abi: demoTokenAbi, functionName: 'balanceOf', args: [demo.vault] })).toBe(
      vaultBalanceBefore - result.valueLost,
    );
    expect(await readVault('totalDeposits')).toBe(1_000_000n * DEMO - result.valueLost);
    const reverted = await client.getTransactionReceipt({ hash: result.steps[2]!.txHash });
    expect(reverted.status).toBe('reverted');
    expect(reverted.to?.toLowerCase()).toBe(demo.vault.toLowerCase());
  });

  it('stops after maxSteps, caps a step at the victim’s deposit, and stops when the victims are drained', async () => {
    const smallest = depositors[5]!; // 47,500 DEMO: less than one 100,000 DEMO slice
    const capped = await runDrainAttack({ rpcUrl: anvil.url, attackerKey: attacker.key, vault: demo.vault, victims: [smallest.address], maxSteps: 5 });
    expect(capped.steps.map((step) => step.amount)).toEqual([smallest.amount]);
    expect(capped.stopReason).toBe('drained');
    expect(capped.valueLost).toBe(smallest.amount);

    const limited = await runDrainAttack({ rpcUrl: anvil.url, attackerKey: attacker.key, vault: demo.vault, victims: [depositors[0]!.address], maxSteps: 2, slicePercent: 2.5 });
    expect(limited.stopReason).toBe('max-steps');
    expect(limited.sliceAmount).toBe(((1_000_000n - 47_500n) * DEMO * 25n) / 1000n);
    expect(limited.steps).toHaveLength(2);
    expect(limited.steps[1]!.blockNumber).toBe(limited.steps[0]!.blockNumber + 1);
  });

  it('stops without throwing when aborted', async () => {
    const controller = new AbortController();
    const result = await runDrainAttack({
      rpcUrl: anvil.url,
      attackerKey: attacker.key,
      vault: demo.vault,
      victims: depositors.map((d) => d.address),
      signal: controller.signal,
      onStep: () => controller.abort(),
    });
    expect(result.stopReason).toBe('aborted');
    expect(result.steps).toHaveLength(1);
  });
});
