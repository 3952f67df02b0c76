/**
 * The shipped configs must survive the whole start-up path, not only the loader: createDetectors
 * (detectors/index.ts) checks event names against the ABIs and parses the `where` expressions.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createDetectors } from '../../detectors/index.js';
import { createChannels, loadChannelSecrets } from '../../responders/notify/index.js';
import { resolvePauseTargets } from '../../responders/pause-targets.js';
import { loadConfig } from './load.js';

const shipped = [
  { file: 'config/drill.yaml', env: {} },
  {
    file: 'config/example.yaml',
    env: {
      MAINNET_RPC_URL: 'https://a.example',
      MAINNET_RPC_FALLBACK_URL: 'https://b.example',
      MAINNET_WS_URL: 'wss://c.example',
      WARDEN_WEBHOOK_URL: 'https://hooks.example/x',
      PAGERDUTY_ROUTING_KEY: 'R0uT1nGkEy0123456789abcdefABCDEF',
      PAGERDUTY_BACKUP_ROUTING_KEY: 'B4cKuPkEy0123456789abcdefABCDEF0',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/secret',
    },
  },
  {
    file: 'config/example-detectors.yaml',
    env: { MAINNET_RPC_URL: 'https://a.example', MAINNET_WS_URL: 'wss://c.example', WARDEN_WEBHOOK_URL: 'https://hooks.example/x' },
  },
  {
    file: 'config/example-safe.yaml',
    env: { MAINNET_RPC_URL: 'https://a.example', MAINNET_WS_URL: 'wss://c.example', WARDEN_WEBHOOK_URL: 'https://hooks.example/x' },
  },
];

describe('shipped configs', () => {
  it.each(shipped)('$file builds every detector it declares', async ({ file, env }) => {
    const { config, contracts, customDetectors } = await loadConfig({ path: fileURLToPath(new URL(`../../${file}`, import.meta.url)), env });
    const detectors = createDetectors({ config, contracts, customModules: customDetectors });
    expect(detectors.map((detector) => detector.id)).toEqual(config.detectors.map((detector) => detector.id));
    // Pause steps resolve too (targets, routes through Safes and modules).
    const targets = resolvePauseTargets(config, contracts);
    expect(targets.map((target) => target.id)).toEqual(config.responders.pauses.map((pause) => pause.id));
    // Its channels get their secrets from the environment and build, as at start.
    const secrets = await loadChannelSecrets({ channels: config.responders.channels, env });
    const channels = createChannels({ configs: config.responders.channels, secrets });
    expect([...channels.keys()]).toEqual(config.responders.channels.map((channel) => channel.id));
  });
});
