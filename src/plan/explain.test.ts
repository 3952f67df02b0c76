/** `warden plan explain` computes with the runner's own planActions: what it prints is what happens. */
import { describe, expect, it } from 'vitest';
import { loadEdited } from '../config/test-helpers.js';
import { explainPlan, renderPlanExplanation } from './explain.js';

function loaded(edit: (c: any) => void = () => {}) {
  return loadEdited((c) => {
    c.responders.channels = [
      { id: 'oncall-pager', kind: 'pagerduty', routingKeyEnv: 'PAGERDUTY_ROUTING_KEY' },
      { id: 'war-room', kind: 'slack', webhookUrlEnv: 'SLACK_WEBHOOK_URL' },
    ];
    c.plan.roles = [
      { id: 'primary', channels: ['oncall-pager'] },
      { id: 'secondary', channels: ['war-room'] },
    ];
    c.plan.escalation = [{ after: '10m', page: 'everyone' }];
    c.plan.quietHours = { from: '22:00', to: '07:00' };
    c.plan.rules[0].steps.push({ page: 'primary' });
    c.plan.rules.push({ name: 'tell the team', match: { minSeverity: 'high' }, steps: [{ notify: 'war-room', dryRun: true }] });
    edit(c);
  });
}

describe('plan explain', () => {
  it('groups severities with the same steps and names who hears of it at once', () => {
    const { config, contracts } = loaded();
    const explanation = explainPlan(config, contracts);
    const admin = explanation.detectors.find((detector) => detector.id === 'vault-admin')!;
    expect(admin.cases.map((c) => [c.severities, c.configured, c.steps.map((step) => `${step.kind}${step.dryRun ? ' (dry)' : ''}`)])).toEqual([
      [['info', 'low'], false, []],
      [['medium'], false, ['record']],
      [['high'], true, ['record', 'notify (dry)']],
      [['critical'], false, ['pause', 'record', 'page', 'notify (dry)']],
    ]);
    const critical = admin.cases.at(-1)!;
    expect(critical.hearsAtOnce).toEqual(['oncall-pager']); // the dry-run notify tells nobody
    expect(critical.quietHoursApply).toBe(false); // critical pages at once
    expect(critical.rules).toEqual(['contain critical anomalies', 'record everything from medium up', 'tell the team']);
    expect(explanation.escalation).toEqual([{ after: 600, page: ['primary', 'secondary'] }]);
  });

  it('says an observe-mode detector is never paused for, and marks the whole plan in dry run', () => {
    const { config, contracts } = loaded((c) => {
      c.detectors[0].mode = 'observe';
      c.plan.dryRun = true;
    });
    const explanation = explainPlan(config, contracts);
    const observed = explanation.detectors.find((detector) => detector.id === 'vault-large-withdraw')!;
    expect(observed.cases.at(-1)!.steps.map((step) => step.kind)).toEqual(['record', 'page', 'notify']);
    const text = renderPlanExplanation(explanation);
    expect(text).toContain('Plan: dry run ON');
    expect(text).toContain('vault-large-withdraw (event, severity critical, observe: never paused for)');
    expect(text).toMatch(/DRY RUN \(recorded, nothing sent\): pause vault-pause: call function pause\(\) on vault \(0x[0-9a-fA-F]{40}\) through the guardian key/);
    expect(text).toContain('Quiet hours 22:00–07:00 UTC (every day)');
  });
});
