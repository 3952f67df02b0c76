/** `warden drill` (and `npm run drill`): rehearse the plan on a local anvil and print a report. */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { createLogger } from '../log.js';
import { defaultDrillConfigPath, runDrill } from '../drill/run.js';
import { formatDrillSummary, reportToJson } from '../drill/report.js';

interface DrillOptions {
  config: string;
  blockTime: number;
  keep?: boolean;
  report?: string;
  pretty?: boolean;
  rpcUrl?: string;
  wsUrl?: string;
}

export function registerDrillCommand(program: Command): void {
  program
    .command('drill')
    .description(
      'Start a local anvil, deploy a demo vault with deposits, run warden on it and drain the vault block by block. ' +
        'Exits 0 only if warden paused the vault.',
    )
    .option('-c, --config <file>', 'drill config', defaultDrillConfigPath)
    .option('--block-time <seconds>', 'seconds between anvil blocks', (value) => Number(value), 1)
    .option('--keep', 'leave anvil (and a throwaway Redis) running afterwards and print their urls')
    .option('--report <path>', 'write the drill report as JSON to this file')
    .option('--rpc-url <url>', 'use this running anvil instead of starting one (deploys the demo protocol there)')
    .option('--ws-url <url>', 'WebSocket url of that anvil (default: the rpc url with ws://)')
    .option('--pretty', 'human-readable logs (default when stdout is a terminal)')
    .action(async (options: DrillOptions) => {
      if (!Number.isFinite(options.blockTime) || options.blockTime <= 0) {
        throw new Error(`--block-time: expected a positive number of seconds, got ${options.blockTime}`);
      }
      const log = createLogger({ pretty: options.pretty });
      const { report, kept } = await runDrill({ log, configPath: options.config, blockTime: options.blockTime, keep: options.keep, rpcUrl: options.rpcUrl, wsUrl: options.wsUrl });
      if (options.report) await writeFile(options.report, `${JSON.stringify(reportToJson(report), null, 2)}\n`);
      log.flush();
      if (kept) process.stdout.write(`anvil left running at ${kept.rpcUrl}; redis at ${kept.redisUrl}\n`);
      process.stdout.write(`${formatDrillSummary(report)}\n`);
      process.exitCode = report.contained ? 0 : 1;
    });
}
