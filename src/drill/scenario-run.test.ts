import { fileURLToPath } from 'node:url';
import { type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoTokenAbi, demoVaultAbi } from './abis.js';
import { drillAccounts } from './accounts.js';
import type { DeployDemoProtocolReturnType } from './demo-protocol.js';
import { deployDrillProtocol } from './drill-env.js';
import { startAnvil, type Anvil } from './processes.js';
import { loadScenario, parseScenarioText } from './scenario.js';
import { runScenario, ScenarioRunError, type ScenarioStepResult } from './scenario-run.js';
import { anvilRpc } from './scenario-chain.js';
import { createDrillClient, feesFromLatestBlock, sendSigned, waitForReceipt } from './tx.js';

const demoFile = fileURLToPath(new URL('../../config/scenarios/demo-drain.yaml', import.meta.url));
const attacker = drillAccounts.attacker.address;
const deployer = drillAccounts.deployer.address;
const slice = 100_000n * 10n ** 18n;

function envFor(demo: DeployDemoProtocolReturnType) {
  return { DRILL_VAULT_ADDRESS: demo.vault, DRILL_TOKEN_ADDRESS: demo.token };
}

/** The guardian pauses the vault with its own key, as warden would. */
async function pauseVault(client: PublicClient, vault: `0x${string}`) {
  const guardian = privateKeyToAccount(drillAccounts.guardian.key);
  const hash = await sendSigned({
    client,
    account: guardian,
    chainId: await client.getChainId(),
    nonce: await client.getTransactionCount({ address: guardian.address, blockTag: 'pending' }),
    to: vault,
    data: '0x8456cb59', // pause()
    gas: 100_000n,
    fees: await feesFromLatestBlock({ client, multiplier: 3, priorityFee: 2_000_000_000n }),
  });
  expect((await waitForReceipt({ client, hash })).status).toBe('success');
}

describe('runScenario on an automining anvil with the demo protocol', () => {
  let anvil: Anvil;
  let client: PublicClient;
  let demo: DeployDemoProtocolReturnType;
  beforeAll(async () => {
    anvil = await startAnvil();
    client = createDrillClient({ rpcUrl: anvil.url });
    demo = await deployDrillProtocol({ rpcUrl: anvil.url });
  });
  afterAll(() => anvil?.stop());

  const balanceOf = (address: `0x${string}`) => client.readContract({ address: demo.token, abi: demoTokenAbi, functionName: 'balanceOf', args: [address] });

  it('runs the demo scenario: two withdrawals in one block, a reverted one after the pause, a wait, an admin takeover', async () => {
    const scenario = await loadScenario({ path: demoFile, env: envFor(demo) });
    const before = await balanceOf(attacker);
    const seen: ScenarioStepResult[] = [];
    const result = await runScenario({
      client,
      scenario,
      onStep: async (step) => {
        seen.push(step);
        if (step.index === 0) await pauseVault(client, demo.vault); // warden's answer to the exploit block
      },
    });

    const [exploit, after, wait, takeover] = result.steps;
    expect(seen).toEqual(result.steps);
    expect(exploit!.calls.map((call) => [call.status, call.block])).toEqual([['success', exploit!.block], ['success', exploit!.block]]);
    expect(await balanceOf(attacker)).toBe(before + 2n * slice);

    expect(after!.block).toBeGreaterThan(exploit!.block + 1); // the pause has a block of its own in between
    expect(after!.calls).toEqual([expect.objectContaining({ status: 'reverted', revertReason: 'EnforcedPause()', from: attacker, to: demo.vault })]);
    expect(await balanceOf(attacker)).toBe(before + 2n * slice);

    expect(wait).toMatchObject({ kind: 'wait', block: after!.block + 2, calls: [] });
    expect(takeover!.calls[0]).toMatchObject({ status: 'success', from: deployer, block: wait!.block + 1 });
    expect(await client.readContract({ address: demo.vault, abi: demoVaultAbi, functionName: 'hasRole', args: [`0x${'0'.repeat(64)}`, attacker] })).toBe(true);
    expect(await anvilRpc(client)('anvil_getAutomine')).toBe(true);
  });

  it('drains the protocol contract itself, funding it only for gas, and reports a takeover the caller may not make', async () => {
    const vaultHoldings = await balanceOf(demo.vault);
    expect(vaultHoldings).toBeGreaterThan(0n);
    expect(await client.getBalance({ address: demo.vault })).toBe(0n);
    const before = await balanceOf(attacker);
    const scenario = parseScenarioText({
      env: {},
      text: `name: drain and takeover
steps:
  - { kind: drain, token: "${demo.token}", holder: "${demo.vault}", to: "${attacker}" }
  - { kind: admin-takeover, target: "${demo.token}", from: "${attacker}", action: transferOwnership, newOwner: "${attacker}" }
`,
    });
    const [drain, takeover] = (await runScenario({ client, scenario })).steps;
    expect(drain!.calls[0]).toMatchObject({ status: 'success', from: demo.vault, to: demo.token, label: `transfer(${attacker}, ${vaultHoldings})` });
    expect(drain!.calls[0]!.funded).toBeGreaterThan(0n);
    expect(await balanceOf(demo.vault)).toBe(0n);
    expect(await balanceOf(attacker)).toBe(before + vaultHoldings);
    // The attacker does not own the token: the takeover is mined and reverts, and that is a result.
    expect(takeover!.calls[0]).toMatchObject({ status: 'reverted', revertReason: `OwnableUnauthorizedAccount(${attacker})` });
  });

  it('names the step when the node refuses a call, and leaves the mining mode as it was', async () => {
    const scenario = parseScenarioText({
      env: {},
      text: `name: refused
steps:
  - block:
      - { from: "${attacker}", to: "${demo.vault}", data: "0x" }
      - { from: "${attacker}", to: "${demo.vault}", data: "0x", gas: 100000000 }
`,
    });
    const error = await runScenario({ client, scenario }).then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(ScenarioRunError);
    expect((error as Error).message).toMatch(/^step 0 \(calls\): call 1 \(plain transfer from 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC\) was refused by the node: /);
    expect(await anvilRpc(client)('anvil_getAutomine')).toBe(true);
  });
});

describe('runScenario on an interval-mining anvil', () => {
  let anvil: Anvil;
  let client: PublicClient;
  let demo: DeployDemoProtocolReturnType;
  beforeAll(async () => {
    anvil = await startAnvil({ blockTime: 1 });
    client = createDrillClient({ rpcUrl: anvil.url });
    demo = await deployDrillProtocol({ rpcUrl: anvil.url });
  });
  afterAll(() => anvil?.stop());

  it('puts a multi-call step in one block, lets interval blocks pass for a wait, and keeps the interval', async () => {
    const scenario = await loadScenario({ path: demoFile, env: envFor(demo) });
    const result = await runScenario({ client, scenario: { ...scenario, steps: scenario.steps.slice(0, 3) } });
    const [exploit, again, wait] = result.steps;
    expect(new Set(exploit!.calls.map((call) => call.block))).toEqual(new Set([exploit!.block]));
    expect(exploit!.calls.every((call) => call.status === 'success')).toBe(true);
    expect(again!.block).toBeGreaterThan(exploit!.block);
    expect(again!.calls[0]).toMatchObject({ status: 'success' }); // nobody paused the vault here
    expect(wait!.block).toBeGreaterThanOrEqual(again!.block + 2);
    expect(await anvilRpc(client)('anvil_getIntervalMining')).toBe(1);
    expect(await anvilRpc(client)('anvil_getAutomine')).toBe(false);
  });
});
