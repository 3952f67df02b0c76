/** What a reload may swap in: detectors, plan and contracts, checked against the running responders. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/errors.js';
import { loadEdited } from '../config/test-helpers.js';
import { prepareReload } from './prepare.js';

const running = loadEdited(() => {});
const issues = (next: ReturnType<typeof loadEdited>) => {
  try {
    prepareReload({ running, next });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  throw new Error('expected the reload to be refused');
};

describe('prepareReload', () => {
  it('swaps in detectors and plan, and reports other changed sections as needing a restart', () => {
    const next = loadEdited((c) => {
      c.detectors[0].params.where = 'amount >= 1e18';
      c.plan.incidentWindow = '20m';
      c.responders.guardian.feeMultiplier = 5;
      c.log = { level: 'debug' };
    });
    const prepared = prepareReload({ running, next });
    expect(prepared.changed).toEqual(['detectors', 'plan']);
    expect(prepared.needsRestart.sort()).toEqual(['log', 'responders']);
    expect(prepared.loaded.config.detectors[0]).toMatchObject({ params: { where: 'amount >= 1e18' } });
    expect(prepared.loaded.config.plan.incidentWindow).toBe(1200);
    expect(prepared.loaded.config.responders.guardian!.feeMultiplier).toBe(running.config.responders.guardian!.feeMultiplier);
    expect(prepared.loaded.config.log).toEqual(running.config.log);
  });

  it('refuses a rule naming a pause the running responders lack, and a moved pause target', () => {
    const newPause = loadEdited((c) => {
      c.responders.pauses.push({ ...c.responders.pauses[0], id: 'vault-pause-2' });
      c.plan.rules[0].steps.push({ pause: 'vault-pause-2' });
    });
    expect(issues(newPause)).toEqual([expect.stringMatching(/^plan\.rules\[0\]\.steps\[2\]\.pause: no pause named "vault-pause-2"/)]);

    const moved = loadEdited((c) => {
      c.contracts.find((contract: { name: string }) => contract.name === 'vault').address = '0x00000000000000000000000000000000000000aa';
    });
    expect(issues(moved)).toEqual([expect.stringMatching(/^contracts: contract "vault" moved \(0x[0-9a-fA-F]{40} on chain 31337 → 0x00000000000000000000000000000000000000AA on chain 31337\) but responders\.pauses\[0\] \(vault-pause\) calls it/)]);
  });
});
