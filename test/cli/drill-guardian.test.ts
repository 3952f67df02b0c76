/**
 * `warden drill --guardian safe-propose` as a user runs it (a child process), against the test's own
 * anvil (`--rpc-url`, 1 s blocks) so the chain can be read afterwards: warden proposes the pause to the
 * Transaction Service in the drill process, sends nothing itself, and the incident is contained once the
 * drill's co-signer has signed and executed the SafeTx. And a mode that does not exist is a usage error.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, http, parseEventLogs, type Address, type Hex, type PublicClient } from 'viem';
import { safeAbi } from '../../responders/safe/safe-tx.js';
import { demoVaultAbi } from '../../src/drill/abis.js';
import { drillAccounts } from '../../src/drill/accounts.js';
import { COSIGNER } from '../../src/drill/guardian-modes.js';
import { startAnvil, startRedisServer, type Anvil, type ManagedProcess } from '../../src/drill/processes.js';
import { createIncidentStore } from '../../src/incidents/store.js';
import { runCli, scratchDir, type CliResult } from './cli.js';

const guardian = drillAccounts.guardian.address;

interface ProposeReport {
  vault: Address;
  guardian: { mode: string; safe: Address; owners: Address[]; threshold: number; safeNonceAtStart: number; safeNonceAtEnd: number; awaitsCosigners: boolean };
  proposal: { safeTxHash: Hex; proposedBlock: number; headToProposalMs: number };
  exploitBlock: number;
  pauseTxHash: Hex;
  pauseBlock: number;
  blocksToContainment: number;
  headToBroadcastMs?: number;
  incidentId: string;
  contained: boolean;
}

describe('warden drill --guardian safe-propose', () => {
  let anvil: Anvil;
  let redis: ManagedProcess;
  let client: PublicClient;
  let result: CliResult;
  let report: ProposeReport;
  const dir = scratchDir();

  beforeAll(async () => {
    [anvil, redis] = await Promise.all([startAnvil({ blockTime: 1 }), startRedisServer()]);
    client = createPublicClient({ transport: http(anvil.url) });
    result = await runCli(['drill', '--guardian', 'safe-propose', '--rpc-url', anvil.url, '--report', dir.path('report.json')], { REDIS_URL: redis.url }, 90_000);
    report = JSON.parse(readFileSync(dir.path('report.json'), 'utf8')) as ProposeReport;
  }, 120_000);

  afterAll(async () => {
    await Promise.all([anvil?.stop(), redis?.stop()]);
    dir.cleanup();
  });

  it('is contained after the co-signers execute, and says that containment waited for them', () => {
    expect(result.code, result.stderr).toBe(0);
    const last = result.stdout.trim().split('\n').at(-1)!;
    expect(last).toMatch(/^contained: exploit in block \d+, paused in block \d+ \(\d+ blocks?, waiting for the co-signers\), lost \d+\.\d% of 1,000,000 DEMO, incident inc_\w+$/);
    expect(result.stdout).toMatch(/^ {2}guardian {7}safe-propose — Safe 0x\w{4}…\w{4} \(2 of 2: the guardian and a co-signer\) holds PAUSER_ROLE; warden proposes, the co-signers sign and execute; Safe nonce 0 → 1$/m);
    expect(result.stdout).toMatch(/^ {2}pause {10}SafeTx 0x[0-9a-f]{64} proposed at block \d+, [\d.]+ ms from the head; the co-signers executed it in tx 0x[0-9a-f]{64} in block \d+ \(\d+ blocks? after the exploit\), \d+ blocks? waiting for the co-signers$/m);

    expect(report).toMatchObject({ contained: true, guardian: { mode: 'safe-propose', owners: [guardian, COSIGNER.address], threshold: 2, safeNonceAtStart: 0, safeNonceAtEnd: 1, awaitsCosigners: true } });
    expect(report.proposal.safeTxHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(report.proposal.proposedBlock).toBeGreaterThanOrEqual(report.exploitBlock);
    expect(report.pauseBlock).toBeGreaterThanOrEqual(report.proposal.proposedBlock);
    expect(report.blocksToContainment).toBe(report.pauseBlock - report.exploitBlock);
    expect(report.headToBroadcastMs).toBeUndefined(); // warden broadcast nothing: the co-signers did
  });

  it('leaves the vault paused by the Safe, through the proposed SafeTx executed by the co-signer, and warden sent no transaction', async () => {
    const { vault, guardian: setup } = report;
    expect(await client.readContract({ address: vault, abi: demoVaultAbi, functionName: 'paused' })).toBe(true);
    expect(await client.readContract({ address: setup.safe, abi: safeAbi, functionName: 'nonce' })).toBe(1n);
    const receipt = await client.getTransactionReceipt({ hash: report.pauseTxHash });
    expect({ from: receipt.from, to: receipt.to?.toLowerCase(), block: Number(receipt.blockNumber) }).toEqual({
      from: COSIGNER.address.toLowerCase(),
      to: setup.safe.toLowerCase(),
      block: report.pauseBlock,
    });
    const executed = parseEventLogs({ abi: safeAbi, eventName: 'ExecutionSuccess', logs: receipt.logs });
    expect(executed.map((log) => log.args.txHash)).toEqual([report.proposal.safeTxHash]);
    expect(await client.getTransactionCount({ address: guardian })).toBe(0);
  });

  it('records the proposal and the co-signers\' execution in the contained incident', async () => {
    const connection = new Redis(redis.url);
    try {
      const incident = await createIncidentStore({ redis: connection, keyPrefix: 'warden-drill' }).get(report.incidentId);
      expect(incident?.status).toBe('contained');
      const entries = incident!.timeline.filter((entry) => entry.type === 'safe-tx-proposed' || entry.type === 'safe-tx-executed');
      expect(entries.map((entry) => [entry.type, entry.data.safeTxHash])).toEqual([
        ['safe-tx-proposed', report.proposal.safeTxHash],
        ['safe-tx-executed', report.proposal.safeTxHash],
      ]);
      expect(entries[1]!.data).toMatchObject({ txHash: report.pauseTxHash, blockNumber: report.pauseBlock, success: true });
    } finally {
      connection.disconnect();
    }
  });

  it('refuses a guardian mode that does not exist, naming the valid ones', async () => {
    const bad = await runCli(['drill', '--guardian', 'multisig'], { REDIS_URL: redis.url });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--guardian <mode>.*expected one of eoa, safe, safe-module, safe-propose, got "multisig"/);
  });
});
