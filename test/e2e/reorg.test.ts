/**
 * End to end: the blocks holding the exploit and warden's pause are reorged out (anvil drops their
 * transactions, so the vault is unpaused on the new branch). warden records that the trigger block
 * and the pause were reorged out (DESIGN invariant 2) and pauses again — it never unpauses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/incidents/store.js';
import { drainWorld, eventually, startWorld, type World } from './world.js';

describe('reorg of the triggering block', () => {
  let world: World;
  let incident: Incident;

  beforeAll(async () => {
    world = await startWorld(); // automine: the exploit and the pause each get their own block
    await drainWorld(world, 1);
    incident = await eventually(async () => {
      const [summary] = await world.warden.incidents.list({ limit: 1 });
      return summary?.status === 'contained' ? world.warden.incidents.get(summary.id) : undefined;
    }, 20_000, 'containment');
  }, 60_000);

  afterAll(async () => world?.stop());

  it('annotates the incident, and pauses again on the new branch', async () => {
    const trigger = incident.triggerBlocks[0]!;
    const head = Number(await world.client.getBlockNumber({ cacheTime: 0 }));
    const depth = head - trigger.blockNumber + 1; // drop the exploit block and everything after it
    await world.client.request({ method: 'anvil_reorg' as never, params: [depth, []] as never });
    await world.client.request({ method: 'anvil_mine' as never, params: ['0x1'] as never });
    const annotated = await eventually(async () => {
      const current = await world.warden.incidents.get(incident.id);
      return current?.timeline.some((entry) => entry.type === 'trigger-reorged-out') ? current : undefined;
    }, 20_000, 'the reorg annotation');
    const entry = annotated.timeline.find((e) => e.type === 'trigger-reorged-out')!;
    expect(String(entry.data.blockHash).toLowerCase()).toBe(trigger.blockHash.toLowerCase());
    const repaused = await eventually(async () => {
      const current = await world.warden.incidents.get(incident.id);
      return current?.timeline.some((e) => e.type === 'pause-reorged-out') && (await world.paused()) ? current : undefined;
    }, 20_000, 'the pause back on the new branch');
    const dropped = repaused.timeline.find((e) => e.type === 'pause-reorged-out')!;
    expect(dropped.data.txHash).toBe(incident.timeline.find((e) => e.type === 'tx-mined')?.data.txHash);
    // The same signed tx went back on the chain: still one pause tx, one incident, contained.
    expect(repaused.timeline.filter((e) => e.type === 'tx-broadcast')).toHaveLength(1);
    expect(repaused.status).toBe('contained');
    // The dropped pause's nonce was reused on the new branch: no gap.
    expect(await world.guardianNonce()).toBe(1);
  });
});
