/** plan.roles, plan.escalation, plan.quietHours and dryRun in the whole config: references and values are checked with paths. */
import { describe, expect, it } from 'vitest';
import { issuesOf, loadEdited } from './test-helpers.js';

const pager = { id: 'oncall-pager', kind: 'pagerduty', routingKeyEnv: 'PAGERDUTY_ROUTING_KEY' };
const slack = { id: 'war-room', kind: 'slack', webhookUrlEnv: 'SLACK_WEBHOOK_URL' };

/** The drill config with two roles, a page step and a two-level escalation; `edit` changes it further. */
function withRoles(edit: (c: any) => void = () => {}) {
  return (c: any) => {
    c.responders.channels = [pager, slack];
    c.plan.roles = [
      { id: 'primary', channels: ['oncall-pager'] },
      { id: 'secondary', channels: ['war-room'] },
    ];
    c.plan.escalation = [
      { after: '10m', page: ['secondary'] },
      { after: '20m', page: 'everyone' },
    ];
    c.plan.rules[0].steps.push({ page: 'primary' });
    edit(c);
  };
}

describe('plan roles, escalation, quiet hours and dry runs', () => {
  it('loads roles and escalation with durations in seconds, and dryRun off by default', () => {
    const { config } = loadEdited(withRoles((c) => (c.plan.quietHours = { from: '22:00', to: '07:00', timezone: 'Europe/Berlin' })));
    expect(config.plan.escalation).toEqual([
      { after: 600, page: ['secondary'] },
      { after: 1200, page: 'everyone' },
    ]);
    expect(config.plan.quietHours).toEqual({ from: '22:00', to: '07:00', timezone: 'Europe/Berlin' });
    expect(config.plan.dryRun).toBe(false);
  });

  it('names the unknown role of a page step, a role channel, and an escalation level', () => {
    const issues = issuesOf(() =>
      loadEdited(
        withRoles((c) => {
          c.plan.rules[0].steps.push({ page: 'primry' });
          c.plan.roles[1].channels = ['war-rom'];
          c.plan.escalation[0].page = ['tertiary'];
        }),
      ),
    );
    expect(issues).toEqual([
      'plan.roles[1].channels[0]: no channel or webhook named "war-rom"; did you mean "war-room"? (configured: oncall-pager, war-room)',
      expect.stringMatching(/^plan\.rules\[0\]\.steps\[\d+\]\.page: no role named "primry"; did you mean "primary"\? \(configured: primary, secondary\)$/),
      'plan.escalation[0].page[0]: no role named "tertiary" (configured: primary, secondary)',
    ]);
  });

  it('wants escalation levels in increasing order, roles for "everyone", and a page step to start from', () => {
    expect(issuesOf(() => loadEdited(withRoles((c) => (c.plan.escalation[1].after = '5m'))))).toEqual([
      'plan.escalation[1].after: levels must come in increasing order of after: 300s is not later than the level before (600s)',
    ]);
    const noPage = issuesOf(() => loadEdited(withRoles((c) => c.plan.rules[0].steps.pop())));
    expect(noPage).toEqual([expect.stringMatching(/^plan\.escalation: escalation starts when a rule pages a role, and no rule has a \{page: <role id>\} step/)]);
  });

  it('rejects a bad time of day, an unknown time zone and an empty quiet period', () => {
    const issues = issuesOf(() => loadEdited(withRoles((c) => (c.plan.quietHours = { from: '24:00', to: '7:00', timezone: 'Mars/Olympus' }))));
    expect(issues).toEqual([
      'plan.quietHours.from: expected a time of day as HH:MM (24h), e.g. 22:00, got "24:00"',
      'plan.quietHours.to: expected a time of day as HH:MM (24h), e.g. 22:00, got "7:00"',
      'plan.quietHours.timezone: expected an IANA time zone like Europe/Berlin or UTC, got "Mars/Olympus"',
    ]);
    expect(issuesOf(() => loadEdited(withRoles((c) => (c.plan.quietHours = { from: '22:00', to: '22:00' })))).join('\n')).toContain('from and to are equal');
  });

  it('needs no guardian when every pause step is a dry run', () => {
    const real = issuesOf(() => loadEdited((c) => delete c.responders.guardian));
    expect(real).toEqual([expect.stringMatching(/^responders\.guardian: required because plan\.rules\[0\]\.steps\[0\] pauses/)]);
    const { config } = loadEdited((c) => {
      delete c.responders.guardian;
      c.plan.dryRun = true;
    });
    expect(config.responders.guardian).toBeUndefined();
  });
});
