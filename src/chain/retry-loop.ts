/**
 * The follower's "retry until it works or we are stopped" loop (follower.ts `untilDone`).
 *
 * Guarantees: a task is retried until it resolves, with exponential backoff; once stopped, no new
 * attempt starts (the first one still runs: it finishes the block in progress) and StoppedError is
 * thrown; errors `passThrough` names end the loop at once. The backoff doubles per failure in a row
 * and starts over when `progress()` changed since the last failure: a long gap fill that keeps
 * processing blocks between failures is not slowed as if it were stuck.
 */
import type { Logger } from 'pino';
import { describeError } from '../errors.js';
import { backoffMs, sleep, StoppedError } from './retry.js';

export type UntilDone = <T>(what: string, task: () => Promise<T>, context?: object) => Promise<T>;

export function createRetryLoop(params: {
  log: Logger;
  /** First retry delay (doubles, capped at 30 s). */
  retryBaseMs: number;
  signal: AbortSignal;
  stopped(): boolean;
  /** What counts as progress (the follower's tip hash): a change since the last failure resets the backoff. */
  progress(): unknown;
  /** Errors that end the loop at once instead of a retry (StoppedError always does). */
  passThrough(error: unknown): boolean;
}): UntilDone {
  const { log } = params;
  return async function untilDone<T>(what: string, task: () => Promise<T>, context: object = {}): Promise<T> {
    let failuresInARow = 0;
    let progressAtFailure: unknown;
    for (let attempt = 0; ; attempt++) {
      if (params.stopped() && attempt > 0) throw new StoppedError();
      try {
        return await task();
      } catch (error) {
        if (error instanceof StoppedError || params.passThrough(error) || params.stopped()) throw error;
        if (params.progress() !== progressAtFailure) failuresInARow = 0;
        progressAtFailure = params.progress();
        const delay = backoffMs(failuresInARow++, params.retryBaseMs);
        log.error({ ...context, err: describeError(error), attempt, retryInMs: delay }, `${what} failed; retrying`);
        await sleep(delay, params.signal);
      }
    }
  };
}
