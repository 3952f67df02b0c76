/**
 * End to end: the block that triggered an incident is reorged out. warden records that fact on the
 * incident (DESIGN invariant 2) and does nothing else on its own: no unpause, no status change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drillAccounts } from '../../src/drill/accounts.js';
import { runDrainAttack } from '../../src/drill/attack.js';
import type { Incident } from '../../src/incidents/store.js';
import { eventually, startWorld, type World } from './world.js';

describe('reorg of the triggering block', () => {
  let world: World;
  let incident: Incident;

  beforeAll(async () => {
    world = await startWorld(); // automine: the exploit and the pause each get their own block
    await runDrainAttack({
      rpcUrl: world.anvil.url,
      attackerKey: drillAccounts.attacker.key,
      vault: world.vault,
      victims: drillAccounts.depositors.map((depositor) => depositor.address),
      maxSteps: 1,
    });
    incident = await eventually(async () => {
      const [summary] = await world.warden.incidents.list({ limit: 1 });
      return summary?.status === 'contained' ? world.warden.incidents.get(summary.id) : undefined;
    }, 20_000, 'containment');
  }, 60_000);

  afterAll(async () => world?.stop());

  it('annotates the incident with the dropped trigger block and leaves its status alone', async () => {
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
    expect(annotated.status).toBe('contained');
    // warden sent nothing because of the reorg: still exactly its one pause tx on the old branch.
    expect(annotated.timeline.filter((e) => e.type === 'tx-broadcast')).toHaveLength(1);
  });
});
