/** `warden drill` (and `npm run drill`): rehearse the plan on a local anvil and print a report. */
import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { fromPackageRoot } from '../paths.js';
import { guardianModes, parseGuardianMode, type GuardianMode } from '../drill/guardian-mode-names.js';

interface DrillOptions {
  config: string;
  blockTime: number;
  keep?: boolean;
  report?: string;
  pretty?: boolean;
  rpcUrl?: string;
  wsUrl?: string;
  guardian: GuardianMode;
  /** Fork drills (src/drill/fork-command.ts). */
  forkUrl?: string;
  forkBlock?: number;
  scenario?: string;
  json?: boolean;
}

function blockNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a block number, got "${value}".`);
  return Number(value);
}

function guardianMode(value: string): GuardianMode {
  try {
    return parseGuardianMode(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function positiveSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError(`expected a positive number of seconds, got "${value}".`);
  return seconds;
}

export function registerDrillCommand(program: Command): void {
  program
    .command('drill')
    .description(
      'Start a local anvil, deploy a demo vault with deposits, run warden on it and drain the vault block by block. ' +
        'Exits 0 only if warden paused the vault. ' +
        'With --fork-url: fork your chain, run warden with your own --config on the fork and the attack of --scenario, acting through impersonated accounts.',
    )
    .option('-c, --config <file>', 'drill config', fromPackageRoot('config', 'drill.yaml'))
    .option('--block-time <seconds>', 'seconds between anvil blocks', positiveSeconds, 1)
    .option('--keep', 'keep anvil (and a throwaway Redis) running afterwards, print their urls and wait for Ctrl-C')
    .option('--report <path>', 'write the drill report as JSON to this file')
    .option('--rpc-url <url>', 'use this running anvil instead of starting one (deploys the demo protocol there)')
    .option('--ws-url <url>', 'WebSocket url of that anvil (default: the rpc url with ws://)')
    .option(
      '--guardian <mode>',
      `how the pause reaches the vault: ${guardianModes.join(' | ')} (guardian key, 1-of-1 pause Safe, pause-only Roles module on the protocol's Safe, proposal that co-signers execute)`,
      guardianMode,
      'eoa',
    )
    .option('--fork-url <url>', 'drill on a fork of this chain instead, with your own --config and a --scenario; no key needed, nothing is sent to the chain')
    .option('--fork-block <number>', 'with --fork-url: fork at this block (default: the latest)', blockNumber)
    .option('--scenario <file>', 'with --fork-url: the attack scenario (YAML), e.g. config/scenarios/demo-drain.yaml')
    .option('--json', 'with --fork-url: print the report as JSON on stdout (logs go to stderr)')
    .option('--pretty', 'human-readable logs (default when stdout is a terminal)')
    .action(async (options: DrillOptions, command: Command) => {
      if (options.forkUrl !== undefined || options.scenario !== undefined || options.forkBlock !== undefined || options.json) {
        const { runForkDrillCommand } = await import('../drill/fork-command.js');
        const guardianGiven = command.getOptionValueSource('guardian') !== 'default';
        return runForkDrillCommand({
          options: { ...options, guardian: guardianGiven ? options.guardian : undefined },
          configGiven: command.getOptionValueSource('config') !== 'default',
          usageError: (message) => command.error(`error: ${message}`),
        });
      }
      const [{ createLogger }, { runDrill }, { formatDrillReport, formatDrillSummary, reportToJson }] = await Promise.all([
        import('../log.js'),
        import('../drill/run.js'),
        import('../drill/report.js'),
      ]);
      const log = createLogger({ pretty: options.pretty });
      const { report, kept } = await runDrill({ log, configPath: options.config, blockTime: options.blockTime, keep: options.keep, rpcUrl: options.rpcUrl, wsUrl: options.wsUrl, guardian: options.guardian });
      if (options.report) await writeFile(options.report, `${JSON.stringify(reportToJson(report), null, 2)}\n`);
      log.flush();
      process.stdout.write(`\n${formatDrillReport(report, { configHint: options.config === fromPackageRoot('config', 'drill.yaml') ? 'config/drill.yaml' : options.config })}\n`);
      if (kept) process.stdout.write(`anvil is running at ${kept.rpcUrl}; redis at ${kept.redisUrl}; press Ctrl-C to stop them\n`);
      // The last line is the summary for people.
      process.stdout.write(`${formatDrillSummary(report)}\n`);
      process.exitCode = report.contained ? 0 : 1;
      // anvil and redis-server are our children and write to our pipes: they live as long as we do.
      if (kept) await new Promise<never>(() => {});
    });
}
