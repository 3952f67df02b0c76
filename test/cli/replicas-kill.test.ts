/**
 * Two replicas as real processes on one chain and one Redis; the one that broadcast the pause is
 * killed with SIGKILL before the tx is mined. The other takes over the response: it follows the same
 * tx (no second pause) and completes the incident. Real anvil (mining held back by hand), redis-server.
 */
import { Redis } from 'ioredis';
import { encodeFunctionData } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoVaultAbi } from '../../src/drill/abis.js';
import { drillAccounts } from '../../src/drill/accounts.js';
import { feesFromLatestBlock, sendSigned } from '../../src/drill/tx.js';
import { createIncidentStore, type Incident } from '../../src/incidents/store.js';
import { rpc } from '../chain/evm.js';
import { eventually } from '../harness/eventually.js';
import { drillConfigPath, spawnCli, startCliChain, type CliChain, type CliProcess } from './cli.js';

const keyPrefix = 'warden-drill'; // config/drill.yaml
let chain: CliChain;
let redis: Redis;

beforeAll(async () => {
  chain = await startCliChain();
  redis = new Redis(chain.redis.url);
}, 60_000);
afterAll(async () => {
  redis?.disconnect();
  await chain?.stop();
});

describe('two replicas, one killed mid-attack', () => {
  it('the survivor completes the containment with the same pause tx', async () => {
    const client = rpc(chain.anvil.url);
    const store = createIncidentStore({ redis, keyPrefix });
    const guardian = drillAccounts.guardian.address;
    const nonceBefore = await client.getTransactionCount({ address: guardian });
    const replicas: CliProcess[] = [spawnCli(['run', '--config', drillConfigPath], chain.env), spawnCli(['run', '--config', drillConfigPath], chain.env)];
    try {
      await Promise.all(replicas.map((replica) => replica.waitFor(/warden is following/, 60_000)));
      // From now on blocks are mined by hand: the exploit gets its block, the pause stays pending.
      await client.request({ method: 'evm_setAutomine', params: [false] } as never);
      const attacker = privateKeyToAccount(drillAccounts.attacker.key);
      const victim = drillAccounts.depositors[0]!.address;
      const deposit = await client.readContract({ address: chain.vault, abi: demoVaultAbi, functionName: 'depositOf', args: [victim] });
      await sendSigned({
        client,
        account: attacker,
        chainId: 31337,
        nonce: await client.getTransactionCount({ address: attacker.address }),
        to: chain.vault,
        data: encodeFunctionData({ abi: demoVaultAbi, functionName: 'withdrawTo', args: [victim, attacker.address, deposit / 2n] }),
        gas: 200_000n,
        fees: await feesFromLatestBlock({ client, multiplier: 2, priorityFee: 1_000_000_000n }),
      });
      await client.request({ method: 'evm_mine', params: [] } as never);

      // Both detect the drain; one wins the lock and broadcasts. Kill that one.
      const sender = await eventually(async () => replicas.find((replica) => /pause tx broadcast/.test(replica.stdout())), 60_000, 'a replica to broadcast the pause');
      sender.child.kill('SIGKILL');
      await sender.exited;
      const survivor = replicas.find((replica) => replica !== sender)!;
      expect(await client.getTransactionCount({ address: guardian })).toBe(nonceBefore); // pending, unmined
      // The survivor takes the response over (its own run, or the job after the lock and stall timeouts) and follows the tx.
      await eventually(async () => (/already in flight; following it/.test(survivor.stdout()) ? true : undefined), 60_000, 'the survivor to follow the pending pause');
      await client.request({ method: 'evm_mine', params: [] } as never);
      await client.request({ method: 'evm_setAutomine', params: [true] } as never);

      const incident: Incident = await eventually(async () => {
        const [summary] = await store.list({ limit: 5 });
        const found = summary && (await store.get(summary.id));
        return found?.status === 'contained' && found.timeline.some((entry) => entry.type === 'verified-paused') ? found : undefined;
      }, 60_000, 'the survivor to complete the incident');
      const types = incident.timeline.map((entry) => entry.type);
      expect(await store.list({ limit: 10 })).toHaveLength(1);
      expect(types.filter((type) => type === 'tx-broadcast')).toHaveLength(1);
      const broadcast = incident.timeline.find((entry) => entry.type === 'tx-broadcast')!;
      const verified = incident.timeline.find((entry) => entry.type === 'verified-paused')!;
      expect(verified.data.txHash).toBe(broadcast.data.txHash);
      expect(verified.runId).not.toBe(broadcast.runId); // recorded by the survivor
      expect(await client.getTransactionCount({ address: guardian })).toBe(nonceBefore + 1);
    } finally {
      for (const replica of replicas) if (replica.child.exitCode === null && replica.child.signalCode === null) replica.child.kill('SIGTERM');
      await Promise.all(replicas.map((replica) => replica.exited));
    }
  }, 180_000);
});
