/**
 * A reorg deeper than finalityDepth through the whole daemon: warden alerts (a critical `liveness`
 * anomaly in an incident of its own, never paused for) and resyncs from the common ancestor, so every
 * block of the new branch is processed exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/incidents/store.js';
import { eventually, startWorld, type World } from './world.js';

const finalityDepth = 3;
const reorgDepth = 6;

describe('a reorg deeper than finalityDepth', () => {
  let world: World;
  let ancestor: number;
  let incident: Incident;

  beforeAll(async () => {
    world = await startWorld({ edit: (config) => (config.chains[0]!.finalityDepth = finalityDepth) });
    await world.client.request({ method: 'anvil_mine' as never, params: ['0xa'] as never });
    const head = Number(await world.client.getBlockNumber({ cacheTime: 0 }));
    await eventually(async () => (world.warden.chains()[0]?.tip?.number === head ? true : undefined), 20_000, 'warden at the head');
    ancestor = head - reorgDepth;
    await world.client.request({ method: 'anvil_reorg' as never, params: [reorgDepth, []] as never });
    await world.client.request({ method: 'anvil_mine' as never, params: ['0x2'] as never });
    const newHead = Number(await world.client.getBlockNumber({ cacheTime: 0 }));
    await eventually(async () => (world.warden.chains()[0]?.tip?.number === newHead ? true : undefined), 20_000, 'warden on the new branch');
    incident = await eventually(async () => {
      const summaries = await world.warden.incidents.list({ limit: 5 });
      const found = summaries.find((summary) => summary.protocol === 'warden-liveness');
      return found && world.warden.incidents.get(found.id);
    }, 20_000, 'the deep-reorg incident');
  }, 90_000);

  afterAll(async () => world?.stop());

  it('raises one critical liveness anomaly naming the depth and the ancestor', () => {
    expect(incident.severity).toBe('critical');
    const detected = incident.timeline.filter((entry) => entry.type === 'anomaly-detected');
    expect(detected).toHaveLength(1);
    expect(String(detected[0]!.data.summary)).toMatch(new RegExp(`deep reorg.*${reorgDepth} processed blocks dropped back to block ${ancestor}`));
  });

  it('processes every block of the new branch exactly once, and pauses nothing', async () => {
    const processed = world
      .logs()
      .split('\n')
      .filter((line) => line.includes('"block processed"'))
      .map((line) => JSON.parse(line) as { block: number; hash: string });
    const head = world.warden.chains()[0]!.tip!.number;
    for (let number = ancestor + 1; number <= head; number++) {
      const canonical = (await world.client.getBlock({ blockNumber: BigInt(number) })).hash;
      expect(processed.filter((block) => block.hash === canonical), `block ${number}`).toHaveLength(1);
    }
    expect(await world.paused()).toBe(false);
    expect(await world.guardianNonce()).toBe(0);
  });
});
