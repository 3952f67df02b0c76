/**
 * Readiness end to end below the daemon: real anvil, real Safe 1.4.1, real redis-server and incident
 * store. Each broken pause path (role revoked, guardian out of ETH, Safe threshold changed) is raised
 * once at the next check, and its recovery lands in the incident the anomaly opened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFunctionData, type Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { Anomaly, BlockHeader } from '../../detectors/types.js';
import { createPauseCallBuilder } from '../../responders/pause-route.js';
import type { ResolvedPauseTarget } from '../../responders/pause-targets.js';
import { runReadinessChecks, type ReadinessResult } from '../../responders/readiness.js';
import { devKeys, guardianConfig, startHarness, type Harness } from '../../responders/test/harness.js';
import type { SafeConfig } from '../config/schema.js';
import { createSafe, deploySafeSingletons, execAsOwners, safeAdminAbi } from '../drill/safe-deploy.js';
import { createReadinessMonitor, type ReadinessMonitor } from './monitor.js';

const guardian = privateKeyToAccount(devKeys.guardian);
const deployer = privateKeyToAccount(devKeys.deployer);
const other = privateKeyToAccount(devKeys.other);
const pausable = [{ type: 'function', name: 'setPauser', inputs: [{ type: 'address' }, { type: 'bool' }], outputs: [], stateMutability: 'nonpayable' }] as const;
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

interface Setup {
  monitor: ReadinessMonitor;
  raised: Anomaly[];
  /** Runs the checks at the current head, as the daemon does every N blocks. */
  check(): Promise<ReadinessResult[]>;
  timelineOf(anomaly: Anomaly): Promise<string[]>;
}

async function setup(name: string, targets: ResolvedPauseTarget[], safes: SafeConfig[] = []): Promise<Setup> {
  const keyPrefix = `r-${name}`;
  const incidents = h.incidents(keyPrefix);
  const raised: Anomaly[] = [];
  const safeSigners = new Map(safes.map((safe) => [safe.id, [guardian]]));
  const calls = createPauseCallBuilder({ client: h.client, chainId: 31337, sender: guardian.address, safeSigners });
  const monitor = createReadinessMonitor({
    chainId: 31337,
    chainName: 'anvil',
    config: { everyBlocks: 5, severity: 'high', enabled: true },
    redis: h.redis,
    keyPrefix,
    incidents,
    log: h.log,
    check: (blockNumber) => runReadinessChecks({ client: h.client, chainId: 31337, targets, guardian: guardian.address, guardianConfig: guardianConfig(), calls, safes, safeSigners, blockNumber }),
    async raise(anomaly) {
      raised.push(anomaly);
      // What the plan's record step does with it.
      await incidents.openOrJoin({ anomaly, protocol: 'demo', contracts: ['vault'], windowSeconds: 600 });
    },
  });
  return {
    monitor,
    raised,
    async check() {
      await h.rpc('evm_mine');
      const block = await h.client.getBlock({ blockTag: 'latest' });
      const header: BlockHeader = { number: Number(block.number), hash: block.hash, parentHash: block.parentHash, timestamp: Number(block.timestamp), logsBloom: block.logsBloom! };
      return monitor.runAt(header);
    },
    async timelineOf(anomaly) {
      const id = await incidents.incidentForAnomaly(anomaly.id);
      return (await incidents.get(id!))!.timeline.map((entry) => entry.type);
    },
  };
}

async function send(to: Address, data: `0x${string}`): Promise<void> {
  await h.rpc('anvil_impersonateAccount', [deployer.address]);
  const hash = (await h.rpc('eth_sendTransaction', [{ from: deployer.address, to, data }])) as `0x${string}`;
  await h.client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
}

describe('readiness monitor', () => {
  it('reports a revoked pauser role and a drained guardian once each, and records both recoveries', async () => {
    const vault = await h.deployPausable(guardian.address);
    const s = await setup('eoa', h.targetsFor(vault));
    expect((await s.check()).every((result) => result.ok)).toBe(true);
    expect(s.raised).toHaveLength(0);

    await send(vault, encodeFunctionData({ abi: pausable, functionName: 'setPauser', args: [guardian.address, false] }));
    const balance = await h.client.getBalance({ address: guardian.address });
    await h.rpc('anvil_setBalance', [guardian.address, '0x0']);
    const failing = await s.check();
    expect(failing.filter((result) => !result.ok).map((result) => result.key).sort()).toEqual([`funds:31337:${guardian.address}`, 'pause:31337:pause-vault']);
    expect(failing.find((result) => result.key === 'pause:31337:pause-vault')!.detail).toContain(`guardian ${guardian.address} lacks PAUSER_ROLE`);
    expect(failing.find((result) => result.key.startsWith('funds'))!.detail).toMatch(/^0 ETH; 5 pauses at current fees need .* send the guardian at least/);
    expect(s.raised.map((anomaly) => [anomaly.kind, anomaly.severity, anomaly.mode])).toEqual([
      ['readiness', 'high', 'observe'],
      ['readiness', 'high', 'observe'],
    ]);

    await s.check(); // still failing: nothing new
    expect(s.raised).toHaveLength(2);

    await send(vault, encodeFunctionData({ abi: pausable, functionName: 'setPauser', args: [guardian.address, true] }));
    await h.rpc('anvil_setBalance', [guardian.address, `0x${balance.toString(16)}`]);
    expect((await s.check()).every((result) => result.ok)).toBe(true);
    for (const anomaly of s.raised) expect(await s.timelineOf(anomaly)).toContain('readiness-recovered');
  });

  it('reports a changed Safe threshold that the signers no longer meet, and its recovery', async () => {
    const singletons = await deploySafeSingletons({ client: h.client, deployer, pollingIntervalMs: 20 });
    const safe = await createSafe({ client: h.client, deployer, singletons, owners: [guardian.address, other.address], threshold: 1, pollingIntervalMs: 20 });
    const vault = await h.deployPausable(safe);
    const safes: SafeConfig[] = [{ id: 'pause-safe', chain: 31337, address: safe, appUrl: 'https://app.safe.global', expect: { threshold: 1, owners: [guardian.address, other.address] } }];
    const s = await setup('safe', h.targetsFor(vault, { via: { mode: 'safe', safe: 'pause-safe' } }, safes), safes);
    const ready = await s.check();
    expect(ready.map((result) => result.check).sort()).toEqual(['can pause', 'guardian funds', 'safe set-up']);
    expect(ready.every((result) => result.ok)).toBe(true);

    const changeThreshold = (threshold: bigint, owners: (typeof guardian)[]) =>
      execAsOwners({ client: h.client, safe, owners, data: encodeFunctionData({ abi: safeAdminAbi, functionName: 'changeThreshold', args: [threshold] }), pollingIntervalMs: 20 });
    await changeThreshold(2n, [guardian]);
    const failing = await s.check();
    const setUp = failing.find((result) => result.check === 'safe set-up')!;
    expect(setUp.ok).toBe(false);
    expect(setUp.detail).toContain('threshold is 2, expected 1');
    expect(setUp.detail).toContain("warden's signers hold 1 of the 2 owner signatures needed");
    expect(failing.find((result) => result.check === 'can pause')!.ok).toBe(false);
    expect(s.raised.length).toBe(2);

    await changeThreshold(1n, [guardian, other]);
    expect((await s.check()).every((result) => result.ok)).toBe(true);
    for (const anomaly of s.raised) expect(await s.timelineOf(anomaly)).toContain('readiness-recovered');
  });
});
