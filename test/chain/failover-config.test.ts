/** The failover and liveness config keys, and the reserved `liveness` id, through the config loader. */
import { describe, expect, it } from 'vitest';
import { issuesOf, loadEdited } from '../../src/config/test-helpers.js';
import { stallMsOf } from '../../src/chain/follower.js';

describe('failover config', () => {
  it('reads chains[].maxEndpointLag and stallTimeout, optional with code defaults', () => {
    const { config } = loadEdited((c) => Object.assign(c.chains[0], { maxEndpointLag: 3, stallTimeout: '45s' }));
    expect(config.chains[0]).toMatchObject({ maxEndpointLag: 3, stallTimeout: 45 });
    expect(stallMsOf(config.chains[0]!)).toBe(45_000);
    const defaults = loadEdited(() => {}).config.chains[0]!;
    expect(defaults.maxEndpointLag).toBeUndefined();
    expect(stallMsOf({ blockTime: 12 })).toBe(36_000);
    expect(stallMsOf({ blockTime: 0.25 })).toBe(5_000);
  });

  it('rejects bad values with their paths', () => {
    const issues = issuesOf(() => loadEdited((c) => Object.assign(c.chains[0], { maxEndpointLag: 0, stallTimeout: 'soon' })));
    expect(issues).toEqual(expect.arrayContaining([expect.stringMatching(/^chains\[0\]\.maxEndpointLag: expected a whole number > 0/), expect.stringMatching(/^chains\[0\]\.stallTimeout: expected a duration/)]));
  });

  it('reserves the id liveness for head-stall anomalies, and lets plan rules match it', () => {
    const issues = issuesOf(() => loadEdited((c) => (c.detectors[0].id = 'liveness')));
    expect(issues).toEqual(expect.arrayContaining([expect.stringMatching(/^detectors\[0\]\.id: the id "liveness" is reserved/)]));
    const { config } = loadEdited((c) => c.plan.rules.push({ match: { detectors: ['liveness'] }, steps: ['record'] }));
    expect(config.plan.rules.at(-1)!.match.detectors).toEqual(['liveness']);
  });
});
