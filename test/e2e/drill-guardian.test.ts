/**
 * The drill with a Safe guardian (`runDrill({ guardian })`), on its own anvil (1 s blocks) and a real
 * redis-server: the pause Safe (mode safe) and the pause-only role on the protocol's Safe (mode
 * safe-module) both contain the drain in the block after the exploit. The anvil is the test's (the
 * drill's `rpcUrl`), so the chain can be read after the drill: who holds the role, the Safe's nonce,
 * who sent the pause and to what.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, http, parseEventLogs, type PublicClient } from 'viem';
import { readSafeState, safeAbi } from '../../responders/safe/safe-tx.js';
import { demoVaultAbi } from '../../src/drill/abis.js';
import { drillAccounts } from '../../src/drill/accounts.js';
import type { GuardianMode } from '../../src/drill/guardian-modes.js';
import { startAnvil, startRedisServer, type Anvil, type ManagedProcess } from '../../src/drill/processes.js';
import { formatDrillReport, formatDrillSummary, reportToJson } from '../../src/drill/report.js';
import { runDrill, type RunDrillResult } from '../../src/drill/run.js';
import { createLogger } from '../../src/log.js';

const guardian = drillAccounts.guardian.address;

describe('drill with a Safe guardian on 1 s blocks', () => {
  let redis: ManagedProcess;
  const anvils: Anvil[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await Promise.all(anvils.map((anvil) => anvil.stop()));
    await redis?.stop();
  });

  async function drill(mode: GuardianMode): Promise<{ result: RunDrillResult; client: PublicClient }> {
    const anvil = await startAnvil({ blockTime: 1 });
    anvils.push(anvil);
    // Logs are not what these tests check; keep them off the test output.
    const log = createLogger({ level: 'warn', pretty: false, destination: new PassThrough().resume() });
    const result = await runDrill({
      log,
      blockTime: 1,
      guardian: mode,
      rpcUrl: anvil.url,
      wsUrl: anvil.wsUrl,
      env: { ...process.env, REDIS_URL: redis.url, WARDEN_GUARDIAN_KEY: drillAccounts.guardian.key },
    });
    return { result, client: createPublicClient({ transport: http(anvil.url) }) };
  }

  async function holdsPauserRole(client: PublicClient, vault: `0x${string}`, account: `0x${string}`): Promise<boolean> {
    const role = await client.readContract({ address: vault, abi: demoVaultAbi, functionName: 'PAUSER_ROLE' });
    return client.readContract({ address: vault, abi: demoVaultAbi, functionName: 'hasRole', args: [role, account] });
  }

  it('safe: the guardian executes a SafeTx on the 1-of-1 pause Safe, which pauses the vault in the next block', async () => {
    const { result, client } = await drill('safe');
    const { report } = result;
    const safe = report.guardian.safe!;
    expect(report).toMatchObject({ contained: true, blocksToContainment: 1, detectedBlock: report.exploitBlock, lostFraction: 0.1 });
    expect(report.guardian).toMatchObject({ mode: 'safe', guardian, pauser: safe, owners: [guardian], threshold: 1, safeNonceAtStart: 0, safeNonceAtEnd: 1, awaitsCosigners: false });

    // On chain: the Safe, not the guardian, holds the role; the guardian sent execTransaction to the Safe.
    expect(await client.readContract({ address: report.vault, abi: demoVaultAbi, functionName: 'paused' })).toBe(true);
    expect(await holdsPauserRole(client, report.vault, safe)).toBe(true);
    expect(await holdsPauserRole(client, report.vault, guardian)).toBe(false);
    expect(await client.readContract({ address: safe, abi: safeAbi, functionName: 'nonce' })).toBe(1n);
    const receipt = await client.getTransactionReceipt({ hash: report.pauseTxHash! });
    expect({ from: receipt.from, to: receipt.to?.toLowerCase(), block: Number(receipt.blockNumber) }).toEqual({ from: guardian.toLowerCase(), to: safe.toLowerCase(), block: report.pauseBlock });
    expect(parseEventLogs({ abi: safeAbi, eventName: 'ExecutionSuccess', logs: receipt.logs })).toHaveLength(1);

    expect(formatDrillReport(report)).toMatch(/^ {2}guardian {7}safe — Safe 0x\w{4}…\w{4} \(1 of 1: the guardian 0x7099…79C8\) holds PAUSER_ROLE; the guardian sends execTransaction; Safe nonce 0 → 1$/m);
    expect(formatDrillSummary(report)).toMatch(/^contained: exploit in block \d+, paused in block \d+ \(1 block, through the pause Safe\), lost 10\.0% of 1,000,000 DEMO, incident inc_\w+$/);
    expect(reportToJson(report)).toMatchObject({ guardian: { mode: 'safe', safe } });
  }, 120_000);

  it('safe-module: the guardian, not an owner, uses its pause-only role; the module makes the Safe pause in the next block', async () => {
    const { result, client } = await drill('safe-module');
    const { report } = result;
    const safe = report.guardian.safe!;
    const module = report.guardian.module!;
    expect(report).toMatchObject({ contained: true, blocksToContainment: 1, detectedBlock: report.exploitBlock, lostFraction: 0.1 });
    expect(report.guardian).toMatchObject({ mode: 'safe-module', pauser: safe, owners: [drillAccounts.deployer.address], threshold: 1, roleName: 'PAUSER', awaitsCosigners: false });

    const state = await readSafeState({ client, safe });
    expect(state.owners).not.toContain(guardian);
    expect(state.modules.map((address) => address.toLowerCase())).toContain(module.toLowerCase());
    expect(await client.readContract({ address: report.vault, abi: demoVaultAbi, functionName: 'paused' })).toBe(true);
    expect(await holdsPauserRole(client, report.vault, safe)).toBe(true);
    expect(await holdsPauserRole(client, report.vault, guardian)).toBe(false);
    // A module call uses no Safe nonce (enabling the module used nonce 0 during set-up).
    expect(report.guardian.safeNonceAtStart).toBe(1);
    expect(state.nonce).toBe(1n);
    expect(report.guardian.safeNonceAtEnd).toBe(1);
    const receipt = await client.getTransactionReceipt({ hash: report.pauseTxHash! });
    expect({ from: receipt.from, to: receipt.to?.toLowerCase() }).toEqual({ from: guardian.toLowerCase(), to: module.toLowerCase() });
    const paused = parseEventLogs({ abi: demoVaultAbi, eventName: 'Paused', logs: receipt.logs });
    expect(paused.map((log) => log.args.account.toLowerCase())).toEqual([safe.toLowerCase()]);

    expect(formatDrillReport(report)).toMatch(/^ {2}guardian {7}safe-module — Safe 0x\w{4}…\w{4} \(owned by 0xf39F…2266, not the guardian\) holds PAUSER_ROLE; the guardian 0x7099…79C8 has role PAUSER on module 0x\w{4}…\w{4}, allowed only vault\.pause\(\); Safe nonce 1 → 1$/m);
    expect(formatDrillSummary(report)).toMatch(/\(1 block, through the Safe's pause-only role\)/);
  }, 120_000);
});
