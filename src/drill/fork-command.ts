/**
 * `warden drill --fork-url URL --config FILE --scenario FILE [--fork-block N] [--json] [--keep]`: the
 * command-line side of a fork drill (fork.ts). src/cli/drill.ts hands over here when --fork-url or
 * --scenario is given.
 *
 * Output: the drill report for people, the incident's timeline (the drill's Redis goes away with the
 * drill, so it is printed rather than pointed at), and the summary line last; with --json, the report
 * as one JSON document on stdout and the logs on stderr. Exit 0 only if the pause target ends paused.
 */
import { writeFile } from 'node:fs/promises';
import { formatIncident } from '../cli/format-incidents.js';
import { createLogger } from '../log.js';
import { runForkDrill, type RunForkDrillResult } from './fork.js';
import { formatDrillReport, formatDrillSummary, reportToJson } from './report.js';

export interface ForkDrillCommandOptions {
  forkUrl?: string;
  forkBlock?: number;
  scenario?: string;
  config: string;
  blockTime: number;
  keep?: boolean;
  report?: string;
  json?: boolean;
  pretty?: boolean;
  /** Options of the local drill, refused with a fork drill (`guardian` only when given explicitly). */
  rpcUrl?: string;
  guardian?: string;
}

export interface RunForkDrillCommandParameters {
  options: ForkDrillCommandOptions;
  /** False when --config was not given (its default is the local drill's config). */
  configGiven: boolean;
  /** Reports a usage error (exit 2) and does not return. */
  usageError(message: string): never;
}

export async function runForkDrillCommand({ options, configGiven, usageError }: RunForkDrillCommandParameters): Promise<void> {
  const forkUrl = options.forkUrl ?? usageError('--scenario, --fork-block and --json are for fork drills: add --fork-url URL (the chain to fork)');
  const scenario = options.scenario ?? usageError('--fork-url needs --scenario FILE: the attack to rehearse (start from config/scenarios/demo-drain.yaml)');
  if (!configGiven) usageError('--fork-url needs --config FILE: your own config (its chain, contracts, detectors and pauses are what the drill rehearses)');
  if (options.rpcUrl) usageError('--rpc-url and --fork-url do not go together: --rpc-url runs the local drill on a running anvil, --fork-url forks a chain');
  if (options.guardian) {
    usageError('--guardian sets up the local drill; a fork drill pauses the way your config says (responders.pauses[].via)');
  }
  // With --json, stdout carries the report alone.
  const log = createLogger({ pretty: options.pretty, destination: options.json ? process.stderr : process.stdout });
  const result = await runForkDrill({
    log,
    forkUrl,
    forkBlock: options.forkBlock,
    configPath: options.config,
    scenarioPath: scenario,
    blockTime: options.blockTime,
    keep: options.keep,
  });
  const json = forkReportJson(result);
  if (options.report) await writeFile(options.report, `${JSON.stringify(json, null, 2)}\n`);
  log.flush();
  process.exitCode = result.report.contained ? 0 : 1;
  if (options.json) {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    process.stdout.write(`\n${formatForkDrill(result, options.config)}\n`);
    // The last line is the summary for people.
    process.stdout.write(`${formatDrillSummary(result.report)}\n`);
  }
  // The fork and redis-server are our children and write to our pipes: they live as long as we do.
  if (result.kept) await new Promise<never>(() => {});
}

/** The JSON report (`--json`, `--report`): the drill report's fields, the fork's block, what value means, and the incident. */
export function forkReportJson(result: RunForkDrillResult): Record<string, unknown> {
  return {
    ...reportToJson(result.report),
    forkedAtBlock: result.forkedAtBlock,
    valueTracked: result.valueSource ?? null,
    incident: result.incident ?? null,
    ...(result.kept ? { kept: result.kept } : {}),
  };
}

/** The report for people, then the incident's timeline (or, with --keep, how to read it). */
export function formatForkDrill(result: RunForkDrillResult, configPath: string): string {
  const { report, kept, incident } = result;
  const value = result.valueSource ? `value is ${result.valueSource}` : 'no value tracked: add a balance-drop detector to the config or a drain step to the scenario';
  const lines = [`fork of block ${result.forkedAtBlock}; ${value}`];
  if (kept) {
    lines.push(formatDrillReport(report, { configHint: `${configPath} --redis ${kept.redisUrl}` }));
    lines.push(`the fork is running at ${kept.rpcUrl}; the drill's redis at ${kept.redisUrl}; press Ctrl-C to stop them`);
    return lines.join('\n');
  }
  // The drill's Redis is gone: the incident is printed instead of pointed at.
  lines.push(formatDrillReport(report).replace(/ — warden incidents show .*$/m, ' (timeline below)'));
  if (incident) lines.push('', formatIncident(incident), '');
  return lines.join('\n');
}
