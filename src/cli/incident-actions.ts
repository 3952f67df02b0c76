/**
 * What people do about an incident, recorded in its timeline with who and when:
 * `warden incidents ack|note|resolve|reopen`, and `postmortem`, which writes the Markdown post-mortem.
 * With --config, ack and resolve also tell the channels the plan notifies (the page follows the incident).
 */
import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { CliError } from './errors.js';
import { addStoreOptions, openStore, type StoreOptions } from './incident-store.js';
import type { IncidentStore } from '../incidents/types.js';
import type { LifecycleEvent } from '../plan/lifecycle-notify.js';

type ByOptions = StoreOptions & { by?: string };

/** A person's name for the record: --by, else the login name. */
function who(options: ByOptions): string {
  const name = (options.by ?? safeUserName()).trim();
  if (!name) throw new CliError('say who you are with --by NAME (it is recorded in the incident timeline)');
  if (name.length > 100) throw new CliError(`--by is ${name.length} characters; keep a name under 100`);
  return name;
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

/** Opens the store, finds the incident (or says how to list them), runs `act`, and disconnects. */
async function withIncident<T>(id: string, options: StoreOptions, act: (store: Awaited<ReturnType<typeof openStore>>['store']) => Promise<T>): Promise<T> {
  const { redis, store, keyPrefix } = await openStore(options);
  try {
    if (!(await store.get(id))) {
      throw new CliError(`no incident ${id} under key prefix "${keyPrefix}": list them with \`warden incidents list\` (a drill's: add --config config/drill.yaml)`);
    }
    return await act(store);
  } finally {
    redis.disconnect();
  }
}

export function registerIncidentActions(incidents: Command): void {
  addStoreOptions(incidents.command('ack').description('Acknowledge an incident: you are on it (stops escalation). With --config, the channels the plan notifies hear of it (PagerDuty: acknowledge).').argument('<id>', 'incident id'))
    .requiredOption('--by <name>', 'who acknowledges (recorded)')
    .action(async (id: string, options: ByOptions) => {
      const { timelineEntry: entry } = await import('../incidents/types.js');
      const by = who(options);
      await withIncident(id, options, async (store) => {
        const added = await store.append({ incidentId: id, entry: entry('acknowledged', { by }), onceKey: `acknowledged:${by}` });
        process.stdout.write(`${added ? `acknowledged ${id} as ${by}` : `${id} was already acknowledged by ${by}`}\n`);
        if (added) await tellChannels({ options, store, incidentId: id, event: 'incident.acknowledged', by });
      });
    });

  addStoreOptions(incidents.command('note').description('Add a note to the incident timeline.').argument('<id>', 'incident id').argument('<text...>', 'the note'))
    .option('--by <name>', 'who writes it (default: your login name)')
    .action(async (id: string, words: string[], options: ByOptions) => {
      const { timelineEntry: entry } = await import('../incidents/types.js');
      const text = words.join(' ').trim();
      if (!text) throw new CliError('the note is empty: warden incidents note ID "what you found"');
      await withIncident(id, options, (store) => store.append({ incidentId: id, entry: entry('note', { by: who(options), text }) }));
      process.stdout.write(`noted on ${id}\n`);
    });

  addStoreOptions(incidents.command('resolve').description('Resolve an incident (a person\'s decision; warden never does). With --config, the channels the plan notifies hear of it (PagerDuty: resolve, Opsgenie: close).').argument('<id>', 'incident id'))
    .requiredOption('--summary <text>', 'what happened and how it ended (recorded)')
    .option('--by <name>', 'who resolves it (default: your login name)')
    .action(async (id: string, options: ByOptions & { summary: string }) => {
      if (!options.summary.trim()) throw new CliError('--summary is empty: say in a sentence what happened and how it ended');
      const by = who(options);
      const summary = options.summary.trim();
      await withIncident(id, options, async (store) => {
        const result = await store.setStatus({ incidentId: id, status: 'resolved', actor: 'human', reason: summary, by });
        process.stdout.write(result.changed ? `resolved ${id} (was ${result.from})\n` : `${id} was already resolved\n`);
        if (result.changed) await tellChannels({ options, store, incidentId: id, event: 'incident.resolved', by, note: summary });
      });
    });

  addStoreOptions(incidents.command('reopen').description('Reopen a resolved incident.').argument('<id>', 'incident id'))
    .option('--by <name>', 'who reopens it (default: your login name)')
    .option('--reason <text>', 'why (recorded)')
    .action(async (id: string, options: ByOptions & { reason?: string }) => {
      const { IncidentTransitionError } = await import('../incidents/store.js');
      try {
        const result = await withIncident(id, options, (store) => store.setStatus({ incidentId: id, status: 'open', actor: 'human', reason: options.reason, by: who(options) }));
        process.stdout.write(result.changed ? `reopened ${id}\n` : `${id} is already open\n`);
      } catch (error) {
        if (error instanceof IncidentTransitionError) throw new CliError(`${id} is not resolved, so there is nothing to reopen (only a resolved incident can be reopened)`);
        throw error;
      }
    });

  addStoreOptions(incidents.command('postmortem').description('Write the Markdown post-mortem of an incident.').argument('<id>', 'incident id'))
    .option('--out <file>', 'write it to this file (default: stdout)')
    .option('--explorer <url>', 'block explorer base url for links, e.g. https://etherscan.io (default: the chain\'s explorerUrl in --config)')
    .action(async (id: string, options: StoreOptions & { out?: string; explorer?: string }) => {
      if (options.explorer && !/^https?:\/\/\S+$/.test(options.explorer)) throw new CliError(`--explorer must be an http(s) url, got "${options.explorer}"`);
      const { renderPostmortem } = await import('../incidents/postmortem.js');
      const markdown = await withIncident(id, options, async (store) => {
        const incident = (await store.get(id))!;
        return renderPostmortem({ incident, explorerUrl: options.explorer ?? (await configuredExplorer(options.config, incident.chainId)) });
      });
      if (options.out) {
        await writeFile(options.out, `${markdown}\n`);
        process.stdout.write(`wrote ${options.out}\n`);
      } else {
        process.stdout.write(`${markdown}\n`);
      }
    });
}

/**
 * With --config: tells the channels the plan notifies (PagerDuty acknowledge/resolve, Opsgenie by alias,
 * chat messages) after the person's action is recorded; each send is recorded in the timeline too.
 * A failed send is reported, not fatal: the action stands. Missing channel secrets are an error.
 */
async function tellChannels(params: { options: StoreOptions; store: IncidentStore; incidentId: string; event: LifecycleEvent; by: string; note?: string }): Promise<void> {
  const { options, incidentId, event } = params;
  if (!options.config) return;
  const [{ loadConfig }, { notifyLifecycle }, { ChannelSecretError }] = await Promise.all([
    import('../config/load.js'),
    import('../plan/lifecycle-notify.js'),
    import('../../responders/notify/secrets.js'),
  ]);
  const { config } = await loadConfig({ path: options.config });
  const done = event === 'incident.acknowledged' ? 'acknowledged' : 'resolved';
  try {
    const notices = await notifyLifecycle({ config, incidents: params.store, incidentId, event, actor: { name: params.by, ...(params.note ? { note: params.note } : {}) } });
    for (const notice of notices) {
      if (notice.ok) process.stdout.write(`told ${notice.channel} (${notice.kind})\n`);
      else process.stderr.write(`could not tell ${notice.channel} (${notice.kind}): ${notice.error} (recorded in the timeline)\n`);
    }
  } catch (error) {
    if (error instanceof ChannelSecretError) throw new CliError(`${incidentId} is ${done}, but no channel was told: ${error.message}`);
    throw error;
  }
}

/** The incident chain's `explorerUrl` from --config, if any. */
async function configuredExplorer(configPath: string | undefined, chainId: number): Promise<string | undefined> {
  if (!configPath) return undefined;
  const { loadConfig } = await import('../config/load.js');
  const { config } = await loadConfig({ path: configPath });
  return config.chains.find((chain) => chain.id === chainId)?.explorerUrl;
}
