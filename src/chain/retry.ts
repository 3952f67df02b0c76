/** Small helpers for "retry until it works or we are stopped" loops. */

/** Thrown out of a retry loop when the owner was stopped; callers treat it as a clean exit. */
export class StoppedError extends Error {
  constructor() {
    super('stopped');
    this.name = 'StoppedError';
  }
}

/** Exponential backoff: base·2^attempt, capped. attempt starts at 0. */
export function backoffMs(attempt: number, baseMs = 250, maxMs = 30_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
}

/**
 * Resolves after `ms`, or early (without throwing) when `signal` aborts. warden's one sleep:
 * other modules import it from here (keep this signature stable).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
