/** `warden run`: the long-running daemon. */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { createWarden } from '../daemon.js';
import { createLogger } from '../log.js';
import { onShutdownSignals } from './signals.js';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Follow the configured chains, detect anomalies and carry out the plan until stopped (SIGINT/SIGTERM).')
    .requiredOption('-c, --config <file>', 'config file (YAML)')
    .option('--pretty', 'human-readable logs (default when stdout is a terminal)')
    .action(async (options: { config: string; pretty?: boolean }) => {
      const loaded = await loadConfig({ path: options.config });
      const log = createLogger({ level: loaded.config.log.level, pretty: options.pretty });
      const warden = createWarden({ loaded, log });
      await warden.start();
      await new Promise<void>((resolve) => {
        onShutdownSignals(log, async () => {
          await warden.stop();
          resolve();
        });
      });
    });
}
