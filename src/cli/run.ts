/** `warden run`: the long-running daemon. */
import type { Command } from 'commander';
import { onShutdownSignals } from './signals.js';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Follow the configured chains, detect anomalies and carry out the plan until stopped (SIGINT/SIGTERM). SIGHUP reloads detectors, plan and contracts.')
    .requiredOption('-c, --config <file>', 'config file (YAML)')
    .option('--pretty', 'human-readable logs (default when stdout is a terminal; JSON lines otherwise)')
    .action(async (options: { config: string; pretty?: boolean }) => {
      const [{ loadConfig }, { createWarden }, { createLogger }, { connectRedis }] = await Promise.all([
        import('../config/load.js'),
        import('../daemon.js'),
        import('../log.js'),
        import('../redis.js'),
      ]);
      const loaded = await loadConfig({ path: options.config });
      const log = createLogger({ level: loaded.config.log.level, pretty: options.pretty });
      // Fail fast with one clear line when Redis is down, before the daemon opens connections that retry.
      (await connectRedis(loaded.config.redis.url)).disconnect();
      const warden = createWarden({ loaded, log });
      // Before start(): a signal while start() waits for an endpoint must still stop cleanly.
      onShutdownSignals(log, () => warden.stop());
      // SIGHUP: re-read the file and swap in detectors, plan and contracts (an invalid file is logged and ignored).
      process.on('SIGHUP', () => {
        log.info({ signal: 'SIGHUP' }, 'reloading the config');
        void warden.reloadFromFile();
      });
      await warden.start();
      // Follows until a signal: the handler stops warden and exits the process.
      await new Promise<never>(() => {});
    });
}
