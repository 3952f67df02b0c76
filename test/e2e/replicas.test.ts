/**
 * Two replicas of warden on the same chain and the same Redis (active-active): both detect the drain,
 * both start containment at once — and together they send exactly one pause tx and open one incident.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drillAccounts } from '../../src/drill/accounts.js';
import type { DrainAttackResult } from '../../src/drill/attack.js';
import { createWarden, type Warden } from '../../src/daemon.js';
import { createLogger } from '../../src/log.js';
import type { Anomaly } from '../../detectors/types.js';
import { drainWorld, eventually, startWorld, type World } from './world.js';

describe('two replicas, one Redis', () => {
  let world: World;
  let second: Warden;
  const secondAnomalies: Anomaly[] = [];
  let attack: DrainAttackResult;

  beforeAll(async () => {
    world = await startWorld({ blockTime: 1 });
    second = createWarden({
      loaded: world.loaded,
      env: { ...process.env, WARDEN_GUARDIAN_KEY: drillAccounts.guardian.key },
      log: createLogger({ level: 'warn', pretty: false, destination: new PassThrough().resume() }),
      onAnomalies: (batch) => secondAnomalies.push(...batch),
    });
    await second.start();
    attack = await drainWorld(world);
  }, 90_000);

  afterAll(async () => {
    await second?.stop();
    await world?.stop();
  });

  it('both replicas detected the drain in the same block', () => {
    const firstIds = world.anomalies.map((anomaly) => anomaly.id).sort();
    expect(firstIds.length).toBeGreaterThan(0);
    expect(secondAnomalies.map((anomaly) => anomaly.id).sort()).toEqual(firstIds);
  });

  it('produces exactly one pause tx and one incident, contained in the next block', async () => {
    const incident = await eventually(async () => {
      const [summary] = await world.warden.incidents.list({ limit: 5 });
      return summary && summary.status !== 'open' ? world.warden.incidents.get(summary.id) : undefined;
    }, 20_000, 'the incident to settle');
    expect(incident.status).toBe('contained');
    expect(await world.warden.incidents.list({ limit: 10 })).toHaveLength(1);
    expect(incident.timeline.filter((entry) => entry.type === 'tx-broadcast')).toHaveLength(1);
    expect(await world.paused()).toBe(true);
    expect(await world.guardianNonce()).toBe(1);
    const mined = incident.timeline.find((entry) => entry.type === 'tx-mined');
    expect(Number(mined?.data.blockNumber)).toBe(attack.exploitBlock! + 1);
    expect(attack.steps.filter((step) => step.status === 'success')).toHaveLength(1);
  });
});
