/** A background loop for the drill's stand-in actors (co-signers): look, wait, repeat until stopped. */
import { sleep } from '../chain/retry.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';

/** Runs `look` every `intervalMs` until `stop()`; a failed look is logged (`what` names the actor) and tried again. */
export function pollUntilStopped(params: { look(): Promise<void>; intervalMs: number; log: Logger; what: string }): { stop(): Promise<void> } {
  const controller = new AbortController();
  const loop = (async () => {
    while (!controller.signal.aborted) {
      await params.look().catch((error: unknown) => params.log.warn({ err: describeError(error) }, `${params.what}: looking at the Transaction Service failed; trying again`));
      await sleep(params.intervalMs, controller.signal).catch(() => {});
    }
  })();
  return {
    async stop() {
      controller.abort();
      await loop;
    },
  };
}
