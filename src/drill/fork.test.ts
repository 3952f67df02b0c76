/**
 * Fork drills end to end: a local anvil with the demo protocol is the "real chain"; the drill forks it
 * with a second anvil and runs warden with the user's own config (a key variable that is not set, the
 * real chain's urls and Redis), a real redis-server of its own, and config/scenarios/demo-drain.yaml.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { erc20Abi, type Address } from 'viem';
import { fromPackageRoot } from '../paths.js';
import { demoVaultAbi } from './abis.js';
import { drillAccounts } from './accounts.js';
import { runForkDrill, type RunForkDrillResult } from './fork.js';
import { startForkWorld, writeUserConfig, type ForkWorld } from './fork-world.js';
import { startSafeTxServiceStandIn } from './safe-tx-service.js';
import { createDrillClient } from './tx.js';

const scenarioPath = fromPackageRoot('config', 'scenarios', 'demo-drain.yaml');
const keyEnv = 'FORK_TEST_GUARDIAN_KEY_NOT_SET';

function quietLog(): { log: pino.Logger; text(): string } {
  let text = '';
  const sink = new Writable({ write(chunk, _encoding, done) { text += chunk.toString(); done(); } });
  return { log: pino({ level: 'info' }, sink), text: () => text };
}

/** What the real chain looks like: read before and after the drill, it must not change. */
async function chainState(world: ForkWorld) {
  const client = createDrillClient({ rpcUrl: world.chain.url });
  const [block, paused, vaultBalance, attackerBalance] = await Promise.all([
    client.getBlockNumber(),
    client.readContract({ address: world.vault, abi: demoVaultAbi, functionName: 'paused' }),
    client.readContract({ address: world.token, abi: erc20Abi, functionName: 'balanceOf', args: [world.vault] }),
    client.readContract({ address: world.token, abi: erc20Abi, functionName: 'balanceOf', args: [drillAccounts.attacker.address] }),
  ]);
  return { block, paused, vaultBalance, attackerBalance };
}

function expectContainedDemoDrain(result: RunForkDrillResult, world: ForkWorld): void {
  const { report, incident } = result;
  expect(report.contained).toBe(true);
  expect(report.scenario).toBe('demo vault drained through withdrawTo, then its admin role taken');
  // Step 0 takes two victims' 100,000 DEMO in one block; step 1 (the next block) meets the pause.
  expect(report.exploitBlock).toBe(result.scenario.steps[0]!.block);
  expect(report.exploitBlock).toBeGreaterThan(result.forkedAtBlock);
  expect(report.detectedBlock).toBe(report.exploitBlock);
  expect(report.valueAtRisk).toBe(world.totalDeposits);
  expect(report.valueLost).toBe(200_000n * 10n ** 18n);
  expect(report.lostFraction).toBe(0.2);
  expect(result.scenario.steps[1]!.calls[0]).toMatchObject({ status: 'reverted', revertReason: 'EnforcedPause()' });
  expect(incident?.id).toBeDefined();
  expect(report.incidentId).toBe(incident!.id);
  expect(incident!.status).toBe('contained');
}

describe('warden drill --fork-url', () => {
  describe('guardian EOA', () => {
    let world: ForkWorld;
    let before: Awaited<ReturnType<typeof chainState>>;
    let result: RunForkDrillResult;
    const output = quietLog();

    beforeAll(async () => {
      world = await startForkWorld();
      before = await chainState(world);
      const configPath = writeUserConfig(world, { keyEnv });
      result = await runForkDrill({
        log: output.log,
        forkUrl: world.chain.url,
        configPath,
        scenarioPath,
        env: { PATH: process.env.PATH, DRILL_VAULT_ADDRESS: world.vault },
      });
    }, 120_000);
    afterAll(async () => {
      await world?.stop();
    });

    it('contains the scenario in the next block and reports blocks, value lost and the incident', () => {
      expectContainedDemoDrain(result, world);
      expect(result.report.blocksToContainment).toBe(1);
      expect(result.report.pauseBlock).toBe(result.scenario.steps[1]!.block);
      expect(result.report.headToBroadcastMs).toBeGreaterThan(0);
      expect(result.valueSource).toBe("vault's token (detector vault-drain)");
    });

    it('sends the pause from the guardian without its key, with the hash it recorded before the broadcast', () => {
      const timeline = result.incident!.timeline;
      const prepared = timeline.find((entry) => entry.type === 'tx-prepared');
      const mined = timeline.find((entry) => entry.type === 'tx-mined');
      expect(prepared?.data.txHash).toBe(result.report.pauseTxHash);
      expect(mined?.data.txHash).toBe(result.report.pauseTxHash);
      expect(timeline.indexOf(prepared!)).toBeLessThan(timeline.findIndex((entry) => entry.type === 'tx-broadcast'));
    });

    it('leaves the real chain untouched', async () => {
      expect(await chainState(world)).toEqual(before);
      expect(before.paused).toBe(false);
    });

    it('never used the configured Redis', () => {
      expect(output.text()).not.toMatch(/redis connection error/);
    });
  });

  describe('through a Safe', () => {
    const others: Address[] = [drillAccounts.depositors[4]!.address, drillAccounts.depositors[5]!.address];

    async function forkDrill(world: ForkWorld, options: { via: string; safes: string }) {
      const before = await chainState(world);
      const configPath = writeUserConfig(world, { keyEnv, ...options });
      const result = await runForkDrill({ log: quietLog().log, forkUrl: world.chain.url, configPath, scenarioPath, env: { PATH: process.env.PATH, DRILL_VAULT_ADDRESS: world.vault } });
      expect(await chainState(world)).toEqual(before);
      return result;
    }

    it('mode safe (2 of 3, the guardian an owner): another owner approves the SafeTx, the guardian executes it in the next block', async () => {
      const world = await startForkWorld({ safe: { otherOwners: others, threshold: 2 } });
      try {
        const result = await forkDrill(world, {
          via: '{ mode: safe, safe: pause-safe }',
          safes: `  safes:\n    - { id: pause-safe, chain: 31337, address: "${world.safe}", signers: [{ privateKeyEnv: ${keyEnv} }, { privateKeyEnv: SAFE_SIGNER_NOT_SET }] }`,
        });
        expectContainedDemoDrain(result, world);
        expect(result.report.blocksToContainment).toBe(1);
        const prepared = result.incident!.timeline.find((entry) => entry.type === 'tx-prepared')!;
        expect(prepared.data).toMatchObject({ to: world.safe, via: 'safe', txHash: result.report.pauseTxHash, safeNonce: '0' });
        expect(prepared.data.signers).toEqual([world.guardian, others[0]!].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)));
      } finally {
        await world.stop();
      }
    }, 120_000);

    it('mode safe-module: the guardian, no owner, calls the Roles module in the next block', async () => {
      const world = await startForkWorld({ safe: { otherOwners: [], threshold: 1, module: true } });
      try {
        const result = await forkDrill(world, {
          via: `{ mode: safe-module, safe: protocol-safe, module: "${world.module}", roleKey: PAUSER }`,
          safes: `  safes:\n    - { id: protocol-safe, chain: 31337, address: "${world.safe}" }`,
        });
        expectContainedDemoDrain(result, world);
        expect(result.report.blocksToContainment).toBe(1);
        expect(result.incident!.timeline.find((entry) => entry.type === 'tx-prepared')!.data).toMatchObject({ to: world.module, via: 'safe-module' });
      } finally {
        await world.stop();
      }
    }, 120_000);

    it('mode safe-propose: proposes to the drill\'s stand-in service (never the configured one), the co-signers approve and execute', async () => {
      const world = await startForkWorld({ safe: { otherOwners: [others[0]!], threshold: 2 } });
      const configuredService = await startSafeTxServiceStandIn({ chainId: 31337 });
      try {
        const result = await forkDrill(world, {
          via: '{ mode: safe-propose, safe: multisig }',
          safes: `  safes:\n    - { id: multisig, chain: 31337, address: "${world.safe}", transactionService: { url: "${configuredService.url}", apiKeyEnv: SAFE_API_KEY_NOT_SET } }`,
        });
        expect(result.report.contained).toBe(true);
        expect(result.incident!.status).toBe('contained');
        const proposed = result.incident!.timeline.find((entry) => entry.type === 'safe-tx-proposed')!;
        const executed = result.incident!.timeline.find((entry) => entry.type === 'safe-tx-executed')!;
        expect(executed.data).toMatchObject({ safeTxHash: proposed.data.safeTxHash, success: true, txHash: result.report.pauseTxHash });
        // Proposed on the exploit's next head, then one block of approvals and one of execution.
        expect(result.report.blocksToContainment).toBeGreaterThanOrEqual(2);
        expect(result.report.valueLost).toBeGreaterThanOrEqual(200_000n * 10n ** 18n);
        expect(configuredService.requests).toEqual([]);
      } finally {
        await configuredService.close();
        await world.stop();
      }
    }, 120_000);
  });
});
