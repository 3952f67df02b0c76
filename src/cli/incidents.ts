/** `warden incidents list|show` read incident records from Redis (a table for people, --json for tools); ack, note, resolve, reopen and postmortem are in incident-actions.ts. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { incidentStatuses, type IncidentStatus } from '../incidents/types.js';
import { CliError } from './errors.js';
import { registerIncidentActions } from './incident-actions.js';
import { addStoreOptions, openStore, type StoreOptions } from './incident-store.js';

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`expected a positive whole number, got "${value}".`);
  return Number(value);
}

export function registerIncidentsCommand(program: Command): void {
  const incidents = program.command('incidents').description('Read incident records, and record what people do about them.');

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
  registerIncidentActions(incidents);
}
