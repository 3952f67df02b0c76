/**
 * End to end, through the real queue: duplicate anomalies give one pause tx and one incident; an
 * already-paused vault gets no tx; a guardian without the role gives `containment-failed` with the reason.
 * Anomalies are put on the queue the way the follower does, so the test controls exactly what arrives.
 */
import { encodeFunctionData, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anomalyId, type Anomaly } from '../../detectors/types.js';
import { demoVaultAbi } from '../../src/drill/abis.js';
import { drillAccounts } from '../../src/drill/accounts.js';
import type { Incident } from '../../src/incidents/store.js';
import { createAnomalyQueue } from '../../src/queue/anomaly-queue.js';
import { processRunId } from '../../src/run-id.js';
import { eventually, startWorld, type World } from './world.js';

function fakeAnomaly(world: World, key: string, blockNumber = 5): Anomaly {
  const blockHash = `0x${'ab'.repeat(31)}${blockNumber.toString(16).padStart(2, '0')}` as Hex;
  return {
    id: anomalyId({ chainId: 31337, detectorId: 'vault-large-withdraw', blockHash, key }),
    detectorId: 'vault-large-withdraw',
    kind: 'event',
    severity: 'critical',
    chainId: 31337,
    blockNumber,
    blockHash,
    txHashes: [],
    summary: `test anomaly ${key}`,
    evidence: { key },
    addresses: [world.vault],
    observedAt: { wallMs: Date.now(), monoNs: process.hrtime.bigint().toString(), runId: processRunId },
  };
}

async function enqueue(world: World, anomalies: Anomaly[]): Promise<void> {
  const queue = createAnomalyQueue({ redisUrl: world.loaded.config.redis.url, keyPrefix: world.loaded.config.redis.keyPrefix });
  await queue.add(anomalies);
  await queue.close();
}

async function settledIncident(world: World, anomaly: Anomaly): Promise<Incident> {
  return eventually(async () => {
    const [summary] = await world.warden.incidents.list({ limit: 5 });
    if (!summary || !summary.anomalyIds.includes(anomaly.id) || summary.status === 'open') return undefined;
    return world.warden.incidents.get(summary.id);
  }, 20_000, 'the incident to settle');
}

describe('containment through the queue', () => {
  describe('with a guardian holding PAUSER_ROLE', () => {
    let world: World;
    beforeAll(async () => {
      world = await startWorld();
    });
    afterAll(async () => world?.stop());

    it('serves /healthz with where the follower stands', async () => {
      const response = await fetch(`http://${world.warden.healthAddress()}/healthz`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { status: string; chains: { name: string; tip?: { number: number }; headMode: string }[] };
      expect(body.status).toBe('ok');
      expect(body.chains).toHaveLength(1);
      expect(body.chains[0]).toMatchObject({ name: 'anvil', headMode: 'ws' });
      expect(body.chains[0]!.tip?.number).toBeGreaterThanOrEqual(2);
      expect((body.chains[0] as { secondsSinceLastBlock?: number }).secondsSinceLastBlock).toBeGreaterThanOrEqual(0);
      expect((await fetch(`http://${world.warden.healthAddress()}/nope`)).status).toBe(404);
    });

    it('turns duplicate and concurrent anomalies into one pause tx and one incident', async () => {
      const first = fakeAnomaly(world, 'a');
      const second = fakeAnomaly(world, 'b');
      await Promise.all([enqueue(world, [first, first]), enqueue(world, [first, second])]);
      const incident = await settledIncident(world, first);
      await eventually(async () => ((await world.warden.incidents.get(incident.id))!.anomalyIds.length === 2 ? true : undefined), 10_000, 'both anomalies');
      const final = (await world.warden.incidents.get(incident.id))!;
      expect(final.status).toBe('contained');
      expect(final.anomalyIds.sort()).toEqual([first.id, second.id].sort());
      expect(await world.paused()).toBe(true);
      expect(await world.guardianNonce()).toBe(1);
      expect(final.timeline.filter((entry) => entry.type === 'tx-broadcast')).toHaveLength(1);
      expect((await world.warden.incidents.list({ limit: 10 })).length).toBe(1);
    });
  });

  describe('with the vault already paused', () => {
    let world: World;
    beforeAll(async () => {
      world = await startWorld();
      // The guardian pauses by hand before warden sees anything.
      const account = privateKeyToAccount(drillAccounts.guardian.key);
      const hash = await world.client.sendRawTransaction({
        serializedTransaction: await account.signTransaction({
          type: 'eip1559', chainId: 31337, nonce: 0, to: world.vault, gas: 100_000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 10n ** 9n,
          data: encodeFunctionData({ abi: demoVaultAbi, functionName: 'pause' }),
        }),
      });
      await world.client.waitForTransactionReceipt({ hash });
    });
    afterAll(async () => world?.stop());

    it('records "already contained" and sends nothing', async () => {
      expect(await world.guardianNonce()).toBe(1);
      const anomaly = fakeAnomaly(world, 'c');
      await enqueue(world, [anomaly]);
      const incident = await settledIncident(world, anomaly);
      expect(incident.status).toBe('contained');
      expect(incident.timeline.map((entry) => entry.type)).toContain('already-contained');
      expect(incident.timeline.map((entry) => entry.type)).not.toContain('tx-broadcast');
      expect(await world.guardianNonce()).toBe(1);
    });
  });

  describe('with a guardian lacking PAUSER_ROLE', () => {
    let world: World;
    beforeAll(async () => {
      world = await startWorld({ guardianHasRole: false });
    });
    afterAll(async () => world?.stop());

    it('marks the incident containment-failed with the reason, and does not retry blindly', async () => {
      const anomaly = fakeAnomaly(world, 'd');
      await enqueue(world, [anomaly]);
      const incident = await settledIncident(world, anomaly);
      expect(incident.status).toBe('containment-failed');
      const failure = incident.timeline.find((entry) => entry.type === 'containment-failed');
      expect(String(failure?.data.reason)).toMatch(/role|AccessControlUnauthorizedAccount/i);
      expect(await world.paused()).toBe(false);
      // Exactly the one reverted attempt, and no second one later: a revert is not retried blindly.
      expect(incident.timeline.filter((entry) => entry.type === 'tx-broadcast')).toHaveLength(1);
      expect(await world.guardianNonce()).toBe(1);
      await world.client.request({ method: 'anvil_mine' as never, params: ['0x2'] as never });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await world.guardianNonce()).toBe(1);
      expect((await world.warden.incidents.get(incident.id))!.status).toBe('containment-failed');
    });

    it('said so at start-up: the readiness check raised a readiness anomaly naming the missing role', async () => {
      const readiness = await eventually(async () => {
        const incidents = await world.warden.incidents.list({});
        const entries = await Promise.all(incidents.map(async (summary) => (await world.warden.incidents.get(summary.id))!.timeline));
        const found = entries.flat().filter((entry) => entry.type === 'anomaly-detected' && entry.data.detectorId === 'readiness');
        return found.length > 0 ? found : undefined;
      }, 20_000, 'the readiness anomaly');
      expect(readiness.map((entry) => String(entry.data.summary)).join('\n')).toMatch(/can pause vault-pause .* lacks PAUSER_ROLE/);
    });
  });
});
