/** Where the `warden incidents` commands find the incident store: --redis/--key-prefix, --config, or defaults. */
import type { Command } from 'commander';
import { CliError } from './errors.js';

export interface StoreOptions {
  config?: string;
  redis?: string;
  keyPrefix?: string;
  json?: boolean;
}

/** Redis url and key prefix from --redis/--key-prefix, else from --config, else REDIS_URL / defaults. */
export async function openStore(options: StoreOptions) {
  const [{ loadConfig }, { connectRedis, RedisUnavailableError }, { createIncidentStore }] = await Promise.all([
    import('../config/load.js'),
    import('../redis.js'),
    import('../incidents/store.js'),
  ]);
  let url = options.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  let keyPrefix = options.keyPrefix ?? 'warden';
  if (options.config) {
    const { config } = await loadConfig({ path: options.config });
    url = options.redis ?? config.redis.url;
    keyPrefix = options.keyPrefix ?? config.redis.keyPrefix;
  }
  try {
    const redis = await connectRedis(url);
    return { redis, keyPrefix, store: createIncidentStore({ redis, keyPrefix }) };
  } catch (error) {
    if (!(error instanceof RedisUnavailableError)) throw error;
    throw new CliError(`${error.message} Or point this command at yours with --redis URL or --config FILE.`);
  }
}

export function addStoreOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'take the Redis url and key prefix from this config')
    .option('--redis <url>', 'Redis url (default: $REDIS_URL or redis://127.0.0.1:6379)')
    .option('--key-prefix <prefix>', 'key prefix (default: warden; drills use warden-drill)')
    .option('--json', 'print JSON for tools instead of a table');
}
