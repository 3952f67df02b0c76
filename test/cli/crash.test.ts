/**
 * Crash safety through the real binary: `warden run` is killed with SIGKILL after it broadcast the
 * pause but before the tx was mined; restarted, it sends no second pause and completes the incident's
 * timeline from the tx it had recorded. Real anvil (mining held back by hand) and redis-server.
 */
import { Redis } from 'ioredis';
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anomalyId, type Anomaly } from '../../detectors/types.js';
import { drillAccounts } from '../../src/drill/accounts.js';
import { createIncidentStore, type Incident } from '../../src/incidents/store.js';
import { createAnomalyQueue } from '../../src/queue/anomaly-queue.js';
import { processRunId } from '../../src/run-id.js';
import { rpc } from '../chain/evm.js';
import { eventually } from '../harness/eventually.js';
import { drillConfigPath, spawnCli, startCliChain, type CliChain } from './cli.js';

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

describe('crash safety', () => {
  it('killed between broadcasting the pause and its receipt, the restarted warden sends no second pause and completes the incident', async () => {
    const client = rpc(chain.anvil.url);
    const store = createIncidentStore({ redis, keyPrefix });
    const nonceBefore = await client.getTransactionCount({ address: drillAccounts.guardian.address });
    const first = spawnCli(['run', '--config', drillConfigPath], chain.env);
    let second: ReturnType<typeof spawnCli> | undefined;
    try {
      await first.waitFor(/warden is following/, 60_000);
      // From now on nothing is mined until the test says so: the pause tx stays pending.
      await client.request({ method: 'evm_setAutomine', params: [false] } as never);
      const blockHash = `0x${'ee'.repeat(32)}` as Hex;
      const anomaly: Anomaly = {
        id: anomalyId({ chainId: 31337, detectorId: 'vault-large-withdraw', blockHash, key: 'crash' }),
        detectorId: 'vault-large-withdraw', kind: 'event', severity: 'critical', chainId: 31337, blockNumber: 7, blockHash,
        txHashes: [], summary: 'crash test anomaly', evidence: {}, addresses: [chain.vault],
        observedAt: { wallMs: Date.now(), monoNs: process.hrtime.bigint().toString(), runId: processRunId },
      };
      const queue = createAnomalyQueue({ redisUrl: chain.redis.url, keyPrefix });
      await queue.add([anomaly]);
      await queue.close();
      const broadcast = await eventually(async () => {
        const incidentId = await store.incidentForAnomaly(anomaly.id);
        const incident = incidentId ? await store.get(incidentId) : undefined;
        return incident?.timeline.find((entry) => entry.type === 'tx-broadcast') ? incident : undefined;
      }, 60_000, 'the pause broadcast');
      first.child.kill('SIGKILL');
      await first.exited;
      // The pause tx is in the node's pool, unmined, and its sender is gone.
      expect(await client.getTransactionCount({ address: drillAccounts.guardian.address }, )).toBe(nonceBefore);
      await client.request({ method: 'evm_setAutomine', params: [true] } as never);
      await client.request({ method: 'evm_mine', params: [] } as never);

      second = spawnCli(['run', '--config', drillConfigPath], chain.env);
      const done: Incident = await eventually(async () => {
        const incident = await store.get(broadcast.id);
        return incident?.status === 'contained' && incident.timeline.some((entry) => entry.type === 'verified-paused') ? incident : undefined;
      }, 90_000, 'the restarted warden to complete the incident').catch(async (error: unknown) => {
        const incident = await store.get(broadcast.id);
        const q = createAnomalyQueue({ redisUrl: chain.redis.url, keyPrefix });
        const counts = await q.queue.getJobCounts();
        await q.close();
        throw new Error(`${String(error)}\n${JSON.stringify(incident?.timeline.map((e) => e.type))}\n${JSON.stringify(counts)}\n${second!.stdout().slice(-3000)}`);
      });
      const types = done.timeline.map((entry) => entry.type);
      expect(types.filter((type) => type === 'tx-prepared')).toHaveLength(1);
      expect(types.filter((type) => type === 'tx-broadcast')).toHaveLength(1);
      expect(types.filter((type) => type === 'tx-mined')).toHaveLength(1);
      const sent = done.timeline.find((entry) => entry.type === 'tx-broadcast')!.data.txHash;
      expect(done.timeline.find((entry) => entry.type === 'verified-paused')!.data.txHash).toBe(sent);
      // Exactly one pause transaction left the guardian.
      expect(await client.getTransactionCount({ address: drillAccounts.guardian.address })).toBe(nonceBefore + 1);
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL');
      if (second) {
        second.child.kill('SIGTERM');
        await second.exited;
      }
    }
  }, 240_000);
});
