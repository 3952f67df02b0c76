/**
 * The drill's timing on an interval-mining anvil (`--block-time 1`), as `npm run drill` runs it:
 * set-up fits in a few blocks, the attacker sends one exploit tx per block right after the previous
 * block, and a pause sent with warden's higher fee multiplier in the same block interval lands first —
 * so the attacker's step in that block reverts.
 */
import { encodeFunctionData, type Hex, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoVaultAbi } from './abis.js';
import { drillAccounts } from './accounts.js';
import { runDrainAttack, type DrainStep } from './attack.js';
import { deployDemoProtocol } from './demo-protocol.js';
import { startAnvil, type Anvil } from './processes.js';
import { createDrillClient, feesFromLatestBlock, sendSigned, waitForReceipt } from './tx.js';

const { deployer, guardian, attacker, depositors } = drillAccounts;

let anvil: Anvil;
let client: PublicClient;

beforeAll(async () => {
  anvil = await startAnvil({ blockTime: 1 });
  client = createDrillClient({ rpcUrl: anvil.url });
});

afterAll(async () => {
  await anvil?.stop();
});

describe('the drill on 1 s blocks', () => {
  it('sets up in at most 3 blocks, drains one step per block, and a same-interval pause with a higher fee wins', async () => {
    const startBlock = Number(await client.getBlockNumber());
    const demo = await deployDemoProtocol({ rpcUrl: anvil.url, deployerKey: deployer.key, guardianAddress: guardian.address, depositors });
    expect(demo.totalDeposits).toBe(1_000_000n * 10n ** 18n);
    expect(demo.setupBlock - startBlock).toBeLessThanOrEqual(3);

    // Like warden: react to a step's block by sending a pause (not waiting for it to be mined), with the
    // guardian's default fee multiplier (3) against the attacker's (2). The pause is sent 200 ms AFTER the
    // attacker's next step, so landing first proves anvil orders by fee, not by arrival.
    const guardianAccount = privateKeyToAccount(guardian.key);
    const chainId = await client.getChainId();
    let pauseBroadcastAt = 0;
    const sendPause = async () => {
      pauseBroadcastAt = Date.now();
      const fees = await feesFromLatestBlock({ client, multiplier: 3, priorityFee: 2_000_000_000n });
      const nonce = await client.getTransactionCount({ address: guardian.address, blockTag: 'pending' });
      const data = encodeFunctionData({ abi: demoVaultAbi, functionName: 'pause' });
      return sendSigned({ client, account: guardianAccount, chainId, nonce, to: demo.vault, data, gas: 100_000n, fees });
    };
    let pauseSent: Promise<Hex> | undefined;
    const steps: DrainStep[] = [];
    const result = await runDrainAttack({
      rpcUrl: anvil.url,
      attackerKey: attacker.key,
      vault: demo.vault,
      victims: depositors.map((d) => d.address),
      onStep: (step) => {
        steps.push(step);
        if (step.index === 1) pauseSent = new Promise((resolve) => setTimeout(resolve, 200)).then(sendPause);
      },
    });
    const pauseHash = await pauseSent!;
    expect(pauseBroadcastAt).toBeGreaterThan(result.steps[2]!.sentAt);

    expect(result.steps.map((step) => step.status)).toEqual(['success', 'success', 'reverted']);
    expect(steps).toEqual(result.steps);
    // One exploit tx per block, in consecutive blocks.
    const blocks = result.steps.map((step) => step.blockNumber);
    expect(blocks).toEqual([blocks[0], blocks[0]! + 1, blocks[0]! + 2]);
    expect(result.exploitBlock).toBe(blocks[0]);
    expect(result.valueLost).toBe(2n * result.sliceAmount);

    // The pause shares the block with the third step and runs before it.
    const pause = await waitForReceipt({ client, hash: pauseHash });
    const thirdStep = await client.getTransactionReceipt({ hash: result.steps[2]!.txHash });
    expect(pause.status).toBe('success');
    expect(Number(pause.blockNumber)).toBe(blocks[2]);
    expect(pause.transactionIndex).toBeLessThan(thirdStep.transactionIndex);
  });
});
