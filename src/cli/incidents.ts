/** `warden incidents list|show`: read incident records from Redis (a table for people, --json for tools). */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { incidentStatuses, type IncidentStatus } from '../incidents/types.js';
import { CliError } from './errors.js';

interface StoreOptions {
  config?: string;
  redis?: string;
  keyPrefix?: string;
  json?: boolean;
}

/** Redis url and key prefix from --redis/--key-prefix, else from --config, else REDIS_URL / defaults. */
async function openStore(options: StoreOptions) {
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

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`expected a positive whole number, got "${value}".`);
  return Number(value);
}

function addStoreOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'take the Redis url and key prefix from this config')
    .option('--redis <url>', 'Redis url (default: $REDIS_URL or redis://127.0.0.1:6379)')
    .option('--key-prefix <prefix>', 'key prefix (default: warden; drills use warden-drill)')
    .option('--json', 'print JSON for tools instead of a table');
}

export function registerIncidentsCommand(program: Command): void {
  const incidents = program.command('incidents').description('Read incident records.');

  addStoreOptions(incidents.command('list').description('List incidents, newest first.'))
    .option('--limit <n>', 'at most this many', positiveInteger, 50)
    .addOption(new Option('--status <status>', 'only incidents with this status').choices(incidentStatuses))
    .action(async (options: StoreOptions & { limit: number; status?: IncidentStatus }) => {
      const { redis, store } = await openStore(options);
      try {
        const list = await store.list({ limit: options.limit, status: options.status });
        const { formatIncidentTable } = await import('./format-incidents.js');
        process.stdout.write(options.json ? `${JSON.stringify(list, null, 2)}\n` : `${formatIncidentTable(list)}\n`);
      } finally {
        redis.disconnect();
      }
    });

  addStoreOptions(incidents.command('show').description('Show one incident with its timeline.').argument('<id>', 'incident id (inc_...)'))
    .action(async (id: string, options: StoreOptions) => {
      const { redis, store, keyPrefix } = await openStore(options);
      try {
        const incident = await store.get(id);
        if (!incident) {
          throw new CliError(
            `no incident ${id} under key prefix "${keyPrefix}": list them with \`warden incidents list\` (a drill's: add --config config/drill.yaml)`,
          );
        }
        const { formatIncident } = await import('./format-incidents.js');
        process.stdout.write(options.json ? `${JSON.stringify(incident, null, 2)}\n` : `${formatIncident(incident)}\n`);
      } finally {
        redis.disconnect();
      }
    });
}
