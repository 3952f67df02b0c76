/**
 * The plan's timers: an escalation level that fires if nobody acknowledged in time, and a page held
 * back by quiet hours. They are BullMQ delayed jobs on Redis, so they survive restarts and any replica
 * may run them; the job id makes scheduling idempotent (several replicas arming the same escalation
 * add one job; the first one's delay wins).
 *
 * @example
 * const timers = createPlanTimers({ redisUrl, keyPrefix });
 * await timers.schedule({ kind: 'escalate', incidentId, level: 0 }, { delayMs: 600_000, jobId: `esc_${incidentId}_0` });
 * const worker = createPlanTimerWorker({ redisUrl, keyPrefix, log, handle: (timer) => runner.handleTimer(timer) });
 */
import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Anomaly } from '../../detectors/types.js';
import { describeError } from '../errors.js';
import { bullPrefix } from '../queue/anomaly-queue.js';

export const planTimerQueueName = 'plan-timers';

export type PlanTimer =
  /** Escalation level `level` (index in plan.escalation) of an incident that was paged. */
  | { kind: 'escalate'; incidentId: string; level: number }
  /** A page of `roleId` held back by quiet hours, sent when they end. */
  | { kind: 'page'; incidentId: string; roleId: string; anomaly: Anomaly };

export interface PlanTimers {
  /** Adds the timer unless a job with `jobId` exists (BullMQ ids: no ':'). */
  schedule(timer: PlanTimer, options: { delayMs: number; jobId: string }): Promise<void>;
  close(): Promise<void>;
}

interface TimerQueueParameters {
  redisUrl: string;
  keyPrefix: string;
}

const jobOptions = {
  // A failed send is recorded by the handler; a throw is an outage (Redis): retry for a few minutes.
  attempts: 10,
  backoff: { type: 'exponential', delay: 1_000 },
  // Kept a week so a later page of the same incident does not arm the same level again.
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

export function createPlanTimers(params: TimerQueueParameters): PlanTimers {
  const queue = new Queue<PlanTimer>(planTimerQueueName, { connection: { url: params.redisUrl }, prefix: bullPrefix(params.keyPrefix) });
  queue.on('error', () => {}); // connection errors: an outage is logged once by src/outage, not per reconnect
  return {
    async schedule(timer, options) {
      await queue.add(timer.kind, timer, { ...jobOptions, delay: Math.max(0, Math.round(options.delayMs)), jobId: options.jobId });
    },
    close: () => queue.close(),
  };
}

export interface PlanTimerWorker {
  close(): Promise<void>;
}

export function createPlanTimerWorker(params: TimerQueueParameters & { log: Logger; handle(timer: PlanTimer): Promise<void> }): PlanTimerWorker {
  const worker = new Worker<PlanTimer>(
    planTimerQueueName,
    async (job) => {
      try {
        await params.handle(job.data);
      } catch (error) {
        throw new Error(describeError(error)); // one sanitized line is what BullMQ stores
      }
    },
    { connection: { url: params.redisUrl, maxRetriesPerRequest: null }, prefix: bullPrefix(params.keyPrefix), concurrency: 4 },
  );
  worker.on('failed', (job, error) => params.log.warn({ timer: job?.data.kind, incident: job?.data.incidentId, err: describeError(error) }, 'plan timer failed'));
  worker.on('error', (error) => params.log.warn({ err: describeError(error) }, 'plan timer worker error'));
  return { close: () => worker.close() };
}
