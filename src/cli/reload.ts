/**
 * `warden reload --config FILE`: checks the file, then asks every running warden sharing its Redis to
 * reload its detectors, plan and contracts (src/reload/control.ts), and prints each replica's outcome.
 * `kill -HUP <pid>` does the same for one process.
 */
import type { Command } from 'commander';
import { CliError } from './errors.js';

interface ReloadOptions {
  config: string;
  timeout: number;
  json?: boolean;
}

export function registerReloadCommand(program: Command): void {
  program
    .command('reload')
    .description('Validate the config, then have every running warden on its Redis swap in its detectors, plan and contracts without losing its place in the chain (same as SIGHUP). An invalid file is rejected and the running config kept.')
    .requiredOption('-c, --config <file>', 'the config the daemons run (they re-read their own file; this one gives Redis and is checked first)')
    .option('--timeout <seconds>', 'how long to wait for the daemons to answer', (value) => {
      const seconds = Number(value);
      if (!(seconds > 0)) throw new CliError(`--timeout: expected a number of seconds > 0, got ${JSON.stringify(value)}`);
      return seconds;
    }, 10)
    .option('--json', 'print {receivers, outcomes} as JSON')
    .action(async (options: ReloadOptions) => {
      const [{ loadConfig }, { createDetectors }, { requestReload }] = await Promise.all([
        import('../config/load.js'),
        import('../../detectors/index.js'),
        import('../reload/control.js'),
      ]);
      // An invalid file fails here, with every problem and its path, before any daemon is asked
      // (the detectors too: their conditions are compiled against the ABIs).
      const { config, contracts, customDetectors } = await loadConfig({ path: options.config });
      createDetectors({ config, contracts, customModules: customDetectors });
      const result = await requestReload({ redisUrl: config.redis.url, keyPrefix: config.redis.keyPrefix, timeoutMs: options.timeout * 1000 });
      const failed = Object.values(result.outcomes).filter((outcome) => !outcome.ok).length;
      const missing = result.receivers - Object.keys(result.outcomes).length;
      if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else {
        for (const [replica, outcome] of Object.entries(result.outcomes)) {
          process.stdout.write(
            outcome.ok
              ? `${replica}: reloaded (${outcome.changed.length > 0 ? `changed: ${outcome.changed.join(', ')}` : 'nothing changed'}${outcome.needsRestart.length > 0 ? `; restart to apply: ${outcome.needsRestart.join(', ')}` : ''})\n`
              : `${replica}: REJECTED, still running its previous config:\n  ${outcome.error.replace(/\n/g, '\n  ')}\n`,
          );
        }
        if (missing > 0) process.stdout.write(`${missing} daemon(s) did not answer within ${options.timeout}s\n`);
      }
      if (result.receivers === 0) throw new CliError(`no running warden listens on Redis ${config.redis.keyPrefix} (is \`warden run\` up, with this config's redis.url and keyPrefix?)`);
      if (failed > 0 || missing > 0) process.exitCode = 1;
    });
}
