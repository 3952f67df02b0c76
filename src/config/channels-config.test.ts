/** responders.channels in the whole config: `notify: <id>` names a channel or a webhook, one id space for both. */
import { describe, expect, it } from 'vitest';
import { issuesOf, loadEdited } from './test-helpers.js';

const slack = { id: 'oncall-slack', kind: 'slack', webhookUrlEnv: 'SLACK_WEBHOOK_URL' };
const pager = { id: 'oncall-pager', kind: 'pagerduty', routingKeyEnv: 'PAGERDUTY_ROUTING_KEY' };

describe('responders.channels in the config', () => {
  it('lets plan steps notify a channel, with the kind\'s defaults applied', () => {
    const { config } = loadEdited((c) => {
      c.responders.channels = [slack, pager];
      c.plan.rules[0].steps.push({ notify: 'oncall-pager' }, { notify: 'oncall-slack' });
    });
    expect(config.responders.channels.map((channel) => [channel.id, channel.kind, channel.retryFor])).toEqual([
      ['oncall-slack', 'slack', 30],
      ['oncall-pager', 'pagerduty', 30],
    ]);
    expect(config.responders.channels[1]).toMatchObject({ eventsUrl: 'https://events.pagerduty.com/v2/enqueue', source: 'warden' });
  });

  it('names channels and webhooks when a step notifies an unknown id', () => {
    const issues = issuesOf(() =>
      loadEdited((c) => {
        c.responders.channels = [slack];
        c.responders.webhooks = [{ id: 'relay', url: 'https://hooks.example/x' }];
        c.plan.rules[0].steps.push({ notify: 'oncall-slak' });
      }),
    );
    expect(issues).toEqual([expect.stringMatching(/^plan\.rules\[0\]\.steps\[\d+\]\.notify: no channel or webhook named "oncall-slak"; did you mean "oncall-slack"\? \(configured: oncall-slack, relay\)$/)]);
  });

  it('rejects a channel and a webhook sharing an id (a step could not say which it means)', () => {
    const issues = issuesOf(() =>
      loadEdited((c) => {
        c.responders.channels = [slack];
        c.responders.webhooks = [{ id: 'oncall-slack', url: 'https://hooks.example/x' }];
      }),
    );
    expect(issues).toEqual(['responders.webhooks[0].id: duplicate channel or webhook id "oncall-slack" (also at responders.channels[0].id)']);
  });
});
