/** `warden incidents list|show`: read incident records from Redis (a table for people, --json for tools). */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { connectRedis } from '../daemon.js';
import { createIncidentStore } from '../incidents/store.js';
import { formatIncident, formatIncidentTable } from './format-incidents.js';

interface StoreOptions {
  config?: string;
  redis?: string;
  keyPrefix?: string;
  json?: boolean;
}

/** Redis url and key prefix from --redis/--key-prefix, else from --config, else REDIS_URL / defaults. */
async function storeFromOptions(options: StoreOptions) {
  let url = options.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  let keyPrefix = options.keyPrefix ?? 'warden';
  if (options.config) {
    const { config } = await loadConfig({ path: options.config });
    url = options.redis ?? config.redis.url;
    keyPrefix = options.keyPrefix ?? config.redis.keyPrefix;
  }
  const redis = await connectRedis(url);
  return { redis, store: createIncidentStore({ redis, keyPrefix }) };
}

function addStoreOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'take the Redis url and key prefix from this config')
    .option('--redis <url>', 'Redis url (default: $REDIS_URL or redis://127.0.0.1:6379)')
    .option('--key-prefix <prefix>', 'key prefix (default: warden)')
    .option('--json', 'print JSON for tools instead of a table');
}

export function registerIncidentsCommand(program: Command): void {
  const incidents = program.command('incidents').description('Read incident records.');

  addStoreOptions(incidents.command('list').description('List incidents, newest first.'))
    .option('--limit <n>', 'at most this many', (value) => Number.parseInt(value, 10), 50)
    .option('--status <status>', 'only incidents with this status (open, contained, containment-failed, resolved)')
    .action(async (options: StoreOptions & { limit: number; status?: string }) => {
      const { redis, store } = await storeFromOptions(options);
      try {
        const list = await store.list({ limit: options.limit, status: options.status as never });
        process.stdout.write(options.json ? `${JSON.stringify(list, null, 2)}\n` : `${formatIncidentTable(list)}\n`);
      } finally {
        redis.disconnect();
      }
    });

  addStoreOptions(incidents.command('show').description('Show one incident with its timeline.').argument('<id>', 'incident id (inc_...)'))
    .action(async (id: string, options: StoreOptions) => {
      const { redis, store } = await storeFromOptions(options);
      try {
        const incident = await store.get(id);
        if (!incident) {
          process.stderr.write(`warden: no incident ${id} (list them with \`warden incidents list\`)\n`);
          process.exitCode = 1;
          return;
        }
        process.stdout.write(options.json ? `${JSON.stringify(incident, null, 2)}\n` : `${formatIncident(incident)}\n`);
      } finally {
        redis.disconnect();
      }
    });
}
