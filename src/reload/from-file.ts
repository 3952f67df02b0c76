/**
 * Reloading from the config file, one reload at a time (a SIGHUP and a `warden reload` may arrive
 * together): re-read and validate the file, hand it to `apply` (the daemon's swap), and turn every
 * failure into a rejected outcome that is logged — the running config stays.
 */
import { ConfigError } from '../config/errors.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ReloadOutcome } from './control.js';

export function createFileReloader(params: {
  /** The file the daemon was started from (none: nothing to reload). */
  file?: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** Swaps `next` in, or throws (a ConfigError names what is wrong). */
  apply(next: LoadedConfig): ReloadOutcome;
}): () => Promise<ReloadOutcome> {
  let reloading: Promise<unknown> = Promise.resolve();
  return () => {
    const run = reloading.then(async (): Promise<ReloadOutcome> => {
      if (!params.file) return { ok: false, error: 'this warden was not started from a config file; nothing to reload' };
      try {
        return params.apply(await loadConfig({ path: params.file, env: params.env }));
      } catch (error) {
        const message = error instanceof ConfigError ? error.message : describeError(error);
        params.log.error({ err: message }, 'config reload rejected; the running config is kept');
        return { ok: false, error: message };
      }
    });
    reloading = run;
    return run;
  };
}
