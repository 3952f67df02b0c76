/**
 * Resolves the secrets the channels name (`webhookUrlEnv`, `botTokenFile`, ...) from the environment
 * or from files, checks their shape, and registers each one with the log scrubber so it can never
 * appear in a log line, an error or the incident timeline (DESIGN invariant 5).
 *
 * @example
 * const secrets = await loadChannelSecrets({ channels: config.responders.channels });
 * const channels = config.responders.channels.map((config) => createChannel({ config, secrets: secrets.get(config.id)! }));
 */
import { readFile as readFileAsync } from 'node:fs/promises';
import type { ChannelConfig } from '../../src/config/schema-channels.js';
import { registerSecret, registerUrlSecrets } from '../../src/log.js';

/** A channel's resolved secrets, by name (`webhookUrl`, `botToken`, `routingKey`, `apiKey`, `password`, `signingSecret`, `url`). */
export type ChannelSecrets = Readonly<Partial<Record<SecretName, string>>>;
export type SecretName = 'webhookUrl' | 'botToken' | 'routingKey' | 'apiKey' | 'password' | 'signingSecret' | 'url';

export class ChannelSecretError extends Error {
  constructor(readonly problems: string[]) {
    super(`notification channel secrets: ${problems.join('; ')}`);
    this.name = 'ChannelSecretError';
  }
}

export interface LoadChannelSecretsParameters {
  channels: readonly ChannelConfig[];
  /** Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default fs.readFile (utf8). */
  readFile?: (path: string) => Promise<string>;
}

interface SecretSpec {
  name: SecretName;
  /** The config fields naming its source. */
  envField?: string;
  fileField?: string;
  /** The value itself may be inline (webhook `url`): not secret, not registered. */
  inlineField?: string;
  what: string;
  /** A problem with the value, worded without repeating it. */
  check?: (value: string) => string | undefined;
  isUrl?: boolean;
}

const httpsUrl = (value: string) => {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : 'is not an http(s) url';
  } catch {
    return 'is not a url';
  }
};

function specsOf(config: ChannelConfig): { specs: SecretSpec[]; holder: Record<string, unknown> } {
  switch (config.kind) {
    case 'slack':
    case 'discord':
      return { holder: config, specs: [{ name: 'webhookUrl', envField: 'webhookUrlEnv', fileField: 'webhookUrlFile', what: 'webhook url', check: httpsUrl, isUrl: true }] };
    case 'telegram':
      return {
        holder: config,
        specs: [{ name: 'botToken', envField: 'botTokenEnv', fileField: 'botTokenFile', what: 'bot token', check: (v) => (/^\d+:[A-Za-z0-9_-]{20,}$/.test(v) ? undefined : 'does not look like a bot token (<digits>:<letters>)') }],
      };
    case 'pagerduty':
      return { holder: config, specs: [{ name: 'routingKey', envField: 'routingKeyEnv', fileField: 'routingKeyFile', what: 'routing key', check: (v) => (/^\S{8,}$/.test(v) ? undefined : 'is not a routing key (expected the 32-character integration key)') }] };
    case 'opsgenie':
      return { holder: config, specs: [{ name: 'apiKey', envField: 'apiKeyEnv', fileField: 'apiKeyFile', what: 'API key', check: (v) => (/^\S{8,}$/.test(v) ? undefined : 'is not an API key') }] };
    case 'email':
      return { holder: config.smtp, specs: config.smtp.user ? [{ name: 'password', envField: 'passwordEnv', fileField: 'passwordFile', what: 'SMTP password' }] : [] };
    case 'webhook':
      return {
        holder: config,
        specs: [
          { name: 'url', envField: 'urlEnv', fileField: 'urlFile', inlineField: 'url', what: 'webhook url', check: httpsUrl, isUrl: true },
          { name: 'signingSecret', envField: 'secretEnv', fileField: 'secretFile', what: 'signing secret', check: (v) => (v.length >= 16 ? undefined : 'is shorter than 16 characters (use 32+ random characters)') },
        ],
      };
  }
}

/**
 * @returns the secrets of every channel, by channel id.
 * @throws ChannelSecretError listing every missing, unreadable or malformed secret (names only, never values).
 */
export async function loadChannelSecrets(params: LoadChannelSecretsParameters): Promise<Map<string, ChannelSecrets>> {
  const env = params.env ?? process.env;
  const read = params.readFile ?? ((path: string) => readFileAsync(path, 'utf8'));
  const problems: string[] = [];
  const result = new Map<string, ChannelSecrets>();
  for (const config of params.channels) {
    const { specs, holder } = specsOf(config);
    const secrets: Partial<Record<SecretName, string>> = {};
    for (const spec of specs) {
      const where = `channel ${config.id} (${config.kind})`;
      const inline = spec.inlineField ? holder[spec.inlineField] : undefined;
      const envName = spec.envField ? holder[spec.envField] : undefined;
      const file = spec.fileField ? holder[spec.fileField] : undefined;
      let value: string | undefined;
      let registered = true;
      if (typeof inline === 'string') {
        value = inline;
        registered = false;
      } else if (typeof envName === 'string') {
        value = env[envName]?.trim();
        if (!value) problems.push(`${where}: environment variable ${envName} (its ${spec.what}) is not set or empty`);
      } else if (typeof file === 'string') {
        try {
          value = (await read(file)).trim();
          if (!value) problems.push(`${where}: ${file} (its ${spec.what}) is empty`);
        } catch (error) {
          problems.push(`${where}: cannot read ${file} (its ${spec.what}): ${(error as NodeJS.ErrnoException).code ?? 'read error'}`);
        }
      } else {
        problems.push(`${where}: no source for its ${spec.what}; set ${[spec.envField, spec.fileField].filter(Boolean).join(' or ')}`);
      }
      if (!value) continue;
      const problem = spec.check?.(value);
      if (problem) {
        problems.push(`${where}: its ${spec.what} ${problem}`);
        continue;
      }
      if (registered) registerSecret(value);
      // An inline url is not a secret as a whole, but an API key in its path or query still is.
      if (spec.isUrl) registerUrlSecrets(value);
      secrets[spec.name] = value;
    }
    result.set(config.id, secrets);
  }
  if (problems.length > 0) throw new ChannelSecretError(problems);
  return result;
}
