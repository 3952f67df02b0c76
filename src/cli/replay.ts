/** `warden replay`: run the detectors over a historical block range, responding to nothing (src/replay/). */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { CliError } from './errors.js';

function blockNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a block number, got "${value}".`);
  return Number(value);
}

function toBlock(value: string): number | 'latest' {
  return value === 'latest' ? 'latest' : blockNumber(value);
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description(
      'Run the detectors over a historical block range and report what they would have raised; nothing is queued, paused, recorded or written to Redis.',
    )
    .requiredOption('-c, --config <file>', 'config file (YAML)')
    .requiredOption('--chain <id>', 'chain id (or name) from the config')
    .requiredOption('--from <block>', 'first block', blockNumber)
    .requiredOption('--to <block>', 'last block, or "latest"', toBlock)
    .option('--detector <id>', 'replay only this detector (repeat for several)', collect, [])
    .option('--set <path=value>', 'override a detector field, e.g. detectors.vault-drain.params.dropPercent=10 (repeatable)', collect, [])
    .addOption(new Option('--format <format>', 'anomaly output format').choices(['jsonl', 'csv']).default('jsonl'))
    .option('--out <file>', 'write anomalies to this file (the summary then goes to stdout instead of stderr)')
    .option('--json', 'print the summary as JSON')
    .option('--no-progress', 'no progress bar / progress lines on stderr')
    .action(async (options: { config: string; chain: string; from: number; to: number | 'latest'; detector: string[]; set: string[]; format: 'jsonl' | 'csv'; out?: string; json?: boolean; progress: boolean }) => {
      const { runReplayCommand, ReplayCommandError } = await import('../replay/command.js');
      try {
        await runReplayCommand(options);
      } catch (error) {
        if (error instanceof ReplayCommandError) throw new CliError(error.message);
        throw error;
      }
    });
}
