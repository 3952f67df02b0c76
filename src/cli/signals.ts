/**
 * Graceful shutdown: the first SIGINT/SIGTERM stops following and lets the response in flight finish,
 * then exits 0 (1 if stopping failed); a second signal exits at once with 130.
 */
import type { Logger } from '../log.js';

export function onShutdownSignals(log: Logger, shutdown: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    log.info({ signal }, 'shutting down: finishing the response in flight (send the signal again to exit now)');
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
