/** createWarden's start loads the channels' secrets first: a missing one stops the start with a config error naming it. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config/errors.js';
import { loadEdited } from './config/test-helpers.js';
import { createWarden } from './daemon.js';
import { drillAccounts } from './drill/accounts.js';
import { createLogger } from './log.js';

describe('createWarden with notification channels', () => {
  it('refuses to start when a channel secret is missing, naming the channel and the variable (never a value)', async () => {
    const loaded = loadEdited((c) => {
      c.redis.url = 'redis://127.0.0.1:1'; // never reached: the secrets are checked before anything connects
      c.responders.channels = [
        { id: 'war-room', kind: 'slack', webhookUrlEnv: 'SLACK_WEBHOOK_URL' },
        { id: 'oncall-pager', kind: 'pagerduty', routingKeyEnv: 'PAGERDUTY_ROUTING_KEY' },
      ];
      c.plan.rules[0].steps.push({ notify: 'war-room' }, { notify: 'oncall-pager' });
    });
    const warden = createWarden({
      loaded,
      env: { WARDEN_GUARDIAN_KEY: drillAccounts.guardian.key, PAGERDUTY_ROUTING_KEY: 'short' },
      log: createLogger({ level: 'fatal', pretty: false, destination: new PassThrough().resume() }),
    });
    try {
      const error = await warden.start().then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues).toEqual([
        { path: 'responders.channels', message: 'channel war-room (slack): environment variable SLACK_WEBHOOK_URL (its webhook url) is not set or empty' },
        { path: 'responders.channels', message: 'channel oncall-pager (pagerduty): its routing key is not a routing key (expected the 32-character integration key)' },
      ]);
      expect((error as Error).message).not.toContain('short');
    } finally {
      await warden.stop();
    }
  });
});
