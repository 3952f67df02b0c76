/**
 * "Act on the head" (DESIGN invariant 2): the process that detected an anomaly starts its plan at
 * once, instead of waiting for a worker to pick the job up; the daemon puts the job on the queue once
 * the pause is broadcast (or after a short cap), so queue writes never delay the pause.
 *
 * Nothing is lost by that order: the block is checkpointed only after the job is on the queue, so a
 * crash before it means the block is processed again after a restart and the anomaly re-detected.
 *
 * The queue stays the durable path: the job is always added, and when this process's worker picks
 * it up it awaits the run already in flight rather than starting a second one. If that run failed,
 * the job fails and BullMQ's retry runs the plan afresh. Another replica's worker may take the job
 * instead; the plan is idempotent (incident joins and pauses are keyed and locked), so at most the
 * work of checking is repeated, never a pause.
 */
import type { Anomaly } from '../../detectors/types.js';
import type { PlanRunner } from './runner.js';

export interface ActOnHead {
  /**
   * Starts the plan for a freshly detected anomaly (once per anomaly id while its run is remembered).
   * Resolves when the containment is dispatched (pause broadcast, or nothing to send) or the run ends.
   */
  start(anomaly: Anomaly, options?: { onFailed?(error: unknown): void }): Promise<void>;
  /** The queue worker's handler: joins the local run if there is one, else runs the plan. */
  handleJob(anomaly: Anomaly): Promise<void>;
  /** Runs started locally and not yet claimed by a job. */
  pending(): number;
  /** Waits for every local run still in flight (graceful shutdown: finish the response in flight). */
  drain(): Promise<void>;
}

export function createActOnHead(params: {
  runner: Pick<PlanRunner, 'handle'>;
  /** How long a local run is remembered for its job to claim; default 10 minutes. */
  rememberMs?: number;
}): ActOnHead {
  /**
   * Local runs by anomaly id, remembered for `rememberMs` even after a job claimed them: a block the
   * follower processes again (its queue write failed) must not start a second run.
   */
  const inflight = new Map<string, { run: Promise<void>; claimed: boolean }>();
  /** Every run not yet settled, claimed or not: shutdown waits for these. */
  const running = new Set<Promise<void>>();
  const rememberMs = params.rememberMs ?? 10 * 60_000;
  return {
    start(anomaly, options) {
      if (inflight.has(anomaly.id)) return Promise.resolve();
      let markDispatched!: () => void;
      const dispatched = new Promise<void>((resolve) => (markDispatched = resolve));
      const run = params.runner.handle(anomaly, { dispatched: markDispatched });
      void run.then(markDispatched, markDispatched);
      // The job that claims it sees the error (and BullMQ retries); `onFailed` may act at once (a Redis outage).
      run.catch((error: unknown) => options?.onFailed?.(error));
      const entry = { run, claimed: false };
      inflight.set(anomaly.id, entry);
      running.add(run);
      void run.finally(() => running.delete(run)).catch(() => {});
      // If another replica's worker took the job, nobody claims this run: forget it after a while.
      setTimeout(() => {
        if (inflight.get(anomaly.id) === entry) inflight.delete(anomaly.id);
      }, rememberMs).unref();
      return dispatched;
    },
    handleJob(anomaly) {
      const local = inflight.get(anomaly.id);
      // A retried job (the claimed run failed) or a job this process did not start runs the plan.
      if (!local || local.claimed) return params.runner.handle(anomaly);
      local.claimed = true;
      return local.run;
    },
    pending: () => [...inflight.values()].filter((entry) => !entry.claimed).length,
    async drain() {
      await Promise.allSettled([...running]);
    },
  };
}
