/** Bounded shutdown steps: with Redis unreachable, BullMQ's close waits for a connection forever. */
import type { Logger } from './log.js';

/** Waits for a part to close, at most `ms`; one that does not is left behind with a warning. */
export async function closeWithin(log: Logger, what: string, closing: Promise<unknown> | undefined, ms = 3_000): Promise<void> {
  if (!closing) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = await Promise.race([
    closing.then(() => false, () => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), ms))),
  ]);
  clearTimeout(timer);
  if (timedOut) log.warn({ part: what, waitedMs: ms }, 'did not close in time (is Redis reachable?); going on without it');
}
