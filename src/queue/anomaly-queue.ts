/**
 * The anomaly queue (BullMQ on Redis): the follower adds, a worker hands each anomaly to the plan runner.
 *
 * Guarantees:
 * - Dedupe: the job id is the anomaly id (`an_<hex>`: no ':' and not an integer, as BullMQ requires).
 *   Adding an id that BullMQ still holds (waiting, active, completed or failed) is a no-op. Completed
 *   jobs are kept 7 days and failed jobs 30 days, so the same evidence re-detected after a restart or
 *   by a second replica within that time is not handled twice. (BullMQ evicts aged jobs lazily, when a
 *   later job finishes; eviction is the only thing that lets an id be reused.)
 * - At-least-once: a job is retried when the handler throws; every response step is idempotent, so a
 *   retry never sends a second pause tx. Because a failed job's id keeps deduping re-detections for
 *   30 days, giving up early would leave an attack uncontained: the schedule outlasts an RPC outage.
 *   Retry schedule (`anomalyRetrySchedule`): 70 attempts; the n-th retry waits 250 ms · 2^(n−1),
 *   capped at 30 s: 0.25, 0.5, 1, 2, 4, 8, 16 s, then every 30 s — about 31.5 minutes in all (plus
 *   the time the attempts themselves take). After the last attempt the job is abandoned: logged at
 *   error level and recorded on its incident as `containment-failed` with `abandoned: true`; an incident
 *   still open then takes the status `containment-failed`.
 * - Secrets: what the handler throws is reduced to one sanitized line (no urls, no request bodies)
 *   before BullMQ stores it as the job's `failedReason` and `stacktrace`, or a log line quotes it.
 * - Graceful shutdown: `worker.close()` stops taking jobs and waits for the one in flight.
 *
 * Latency: an idle worker blocks in BZPOPMIN on the queue's marker key; `add` pushes the marker in the
 * same script, so Redis wakes the worker at once: add → handler ≈1.3 ms p50 on localhost (add itself ≈0.9 ms;
 * measured by the test). `drainDelay`
 * only bounds how long one blocking call lasts when nothing arrives, not how fast a job is picked up.
 *
 * @example
 * const queue = createAnomalyQueue({ redisUrl, keyPrefix: 'warden' });
 * await queue.add(anomalies);
 * const worker = createAnomalyWorker({ redisUrl, keyPrefix: 'warden', log, handle: (a) => runner.handle(a) });
 * await worker.close();
 */
import { Queue, Worker, type Job, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Anomaly } from '../../detectors/types.js';
import { describeError } from '../errors.js';
import { createIncidentStore, IncidentTransitionError } from '../incidents/store.js';
import { timelineEntry, type IncidentStore } from '../incidents/types.js';

export const anomalyQueueName = 'anomalies';

/** How often and how far apart a failing job runs again. */
export interface RetrySchedule {
  /** Runs in all, the first included. */
  attempts: number;
  /** Wait before the first retry; each further retry waits twice as long… */
  firstDelayMs: number;
  /** …up to this. */
  maxDelayMs: number;
}

/** ≈31.5 minutes of retries (see the header): longer than a typical RPC provider outage. */
export const anomalyRetrySchedule: RetrySchedule = { attempts: 70, firstDelayMs: 250, maxDelayMs: 30_000 };

/** BullMQ calls the worker's `backoffStrategy` for backoff types it does not know. */
const backoffType = 'capped-exponential';

/** Wait before retry number `retry` (1 = the first retry): firstDelayMs · 2^(retry−1), capped. */
export function retryDelayMs(retry: number, schedule: RetrySchedule = anomalyRetrySchedule): number {
  return Math.min(schedule.maxDelayMs, schedule.firstDelayMs * 2 ** Math.min(Math.max(retry - 1, 0), 30));
}

export function anomalyJobOptions(schedule: RetrySchedule = anomalyRetrySchedule) {
  return {
    attempts: schedule.attempts,
    backoff: { type: backoffType, delay: schedule.firstDelayMs },
    removeOnComplete: { age: 7 * 24 * 3600 },
    removeOnFail: { age: 30 * 24 * 3600 },
  } satisfies JobsOptions;
}

export interface AnomalyQueue {
  /** Adds each anomaly as a job with jobId = anomaly.id; duplicates are ignored. Resolves once all are stored. */
  add(anomalies: Anomaly[]): Promise<void>;
  close(): Promise<void>;
  /** The underlying BullMQ queue (for inspection in tools and tests). */
  queue: Queue;
}

export interface CreateAnomalyQueueParameters {
  redisUrl: string;
  keyPrefix: string;
  /** Default `anomalyRetrySchedule`; workers must use the same one. */
  retry?: RetrySchedule;
  /** Connection errors go here (debug); default nowhere. */
  log?: Logger;
}

/** BullMQ prefix: its keys land under `${keyPrefix}:bull:anomalies:*`, beside warden's own keys. */
export function bullPrefix(keyPrefix: string): string {
  return `${keyPrefix}:bull`;
}

export function createAnomalyQueue(params: CreateAnomalyQueueParameters): AnomalyQueue {
  const jobOptions = anomalyJobOptions(params.retry);
  const queue = new Queue(anomalyQueueName, {
    connection: { url: params.redisUrl },
    prefix: bullPrefix(params.keyPrefix),
    defaultJobOptions: jobOptions,
  });
  // Without a listener BullMQ prints each connection error to stderr; an outage is logged once by src/outage.
  queue.on('error', (error) => params.log?.debug({ err: describeError(error) }, 'anomaly queue connection error'));
  return {
    queue,
    async add(anomalies) {
      if (anomalies.length === 0) return;
      // One anomaly per block is the common case: a plain add skips addBulk's MULTI (≈0.3 ms less).
      if (anomalies.length === 1) {
        const [anomaly] = anomalies as [Anomaly];
        await queue.add(anomaly.detectorId, anomaly, { ...jobOptions, jobId: anomaly.id });
        return;
      }
      await queue.addBulk(
        anomalies.map((anomaly) => ({
          name: anomaly.detectorId,
          data: anomaly,
          opts: { ...jobOptions, jobId: anomaly.id },
        })),
      );
    },
    async close() {
      await queue.close();
    },
  };
}

export interface CreateAnomalyWorkerParameters {
  redisUrl: string;
  keyPrefix: string;
  /** Handles one anomaly; throw to have the job retried with backoff. */
  handle(anomaly: Anomaly): Promise<void>;
  log: Logger;
  /** Jobs handled in parallel by this process. Default 4: anomalies of different protocols should not wait on each other. */
  concurrency?: number;
  /** Default `anomalyRetrySchedule` (the queue's attempts count; this sets the delays). */
  retry?: RetrySchedule;
  /**
   * Where an abandoned job is recorded. Default: the incident store under `keyPrefix`, on a Redis
   * connection of the worker's own (opened on the first abandoned job).
   */
  incidents?: IncidentStore;
}

export interface AnomalyWorker {
  /** Stops taking jobs and resolves once the jobs in flight (and abandonment records) have finished. */
  close(): Promise<void>;
  /** Resolves once the worker's connection is ready to receive jobs. */
  ready(): Promise<void>;
}

/**
 * What BullMQ may store of a handler's error: one sanitized line, and a stack made here (frames only,
 * no message text of the original). The name is kept so logs still tell error kinds apart.
 */
function storableError(error: unknown): Error {
  const safe = new Error(describeError(error));
  if (error instanceof Error && /^[A-Za-z]\w{0,60}$/.test(error.name)) safe.name = error.name;
  return safe;
}

export function createAnomalyWorker(params: CreateAnomalyWorkerParameters): AnomalyWorker {
  const { log } = params;
  const schedule = params.retry ?? anomalyRetrySchedule;
  let ownRedis: Redis | undefined;
  const recording = new Set<Promise<void>>();

  const worker = new Worker<Anomaly>(
    anomalyQueueName,
    async (job) => {
      const anomaly = job.data;
      const pickupMs = Date.now() - job.timestamp;
      log.debug({ chain: anomaly.chainId, block: anomaly.blockNumber, anomaly: anomaly.id, attempt: job.attemptsMade + 1, pickupMs }, 'anomaly job started');
      try {
        await params.handle(anomaly);
      } catch (error) {
        throw storableError(error);
      }
    },
    {
      // Workers block on Redis; a request limit would make the blocking call fail.
      connection: { url: params.redisUrl, maxRetriesPerRequest: null },
      prefix: bullPrefix(params.keyPrefix),
      concurrency: params.concurrency ?? 4,
      // A live worker renews its lock every lockDuration / 2 however long a pause waits for its receipt;
      // a killed one (SIGKILL mid-response) stops renewing, and after at most lockDuration + stalledInterval
      // another worker (or the restarted process) takes the job over and follows the recorded pause tx.
      lockDuration: 15_000,
      stalledInterval: 5_000,
      settings: {
        // Called for our `capped-exponential` type (BullMQ's built-in types never reach it).
        backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, schedule),
      },
    },
  );

  function incidentStore(): IncidentStore {
    if (params.incidents) return params.incidents;
    if (!ownRedis) {
      ownRedis = new Redis(params.redisUrl, { maxRetriesPerRequest: 3 });
      ownRedis.on('error', (error: Error) => log.warn({ err: describeError(error) }, 'redis error (abandoned-job records)'));
    }
    return createIncidentStore({ redis: ownRedis, keyPrefix: params.keyPrefix });
  }

  /** The last attempt failed: nobody will try again (the job id keeps deduping re-detections). */
  async function recordAbandoned(job: Job<Anomaly>, reason: string): Promise<void> {
    const anomaly = job.data;
    const incidents = incidentStore();
    const incidentId = await incidents.incidentForAnomaly(anomaly.id);
    if (!incidentId) return; // it failed before opening an incident: the error log is all there is
    await incidents.append({
      incidentId,
      entry: timelineEntry('containment-failed', { abandoned: true, reason, anomalyId: anomaly.id, attempts: job.attemptsMade }),
      onceKey: `abandoned:${anomaly.id}`,
    });
    // Still open after every attempt: say so in the status, so people see it needs them. An incident
    // another anomaly contained (or a person resolved) keeps its status.
    await incidents.setStatus({
      incidentId,
      status: 'containment-failed',
      reason: `response abandoned after ${job.attemptsMade} attempts: ${reason}`,
      onlyFrom: ['open'], // atomically: a run that contained it meanwhile keeps its word
    }).catch((error: unknown) => {
      if (!(error instanceof IncidentTransitionError)) throw error; // resolved by a person meanwhile
    });
  }

  worker.on('failed', (job, error) => {
    const anomaly = job?.data;
    const context = { chain: anomaly?.chainId, block: anomaly?.blockNumber, anomaly: anomaly?.id, attempt: job?.attemptsMade };
    const reason = describeError(error);
    // BullMQ also fails a job for good without using up its attempts (UnrecoverableError, e.g. "job
    // stalled more than allowable limit" after a worker was killed twice mid-job): that is final too.
    const final = error?.name === 'UnrecoverableError' || (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1));
    if (!job || !final) {
      log.warn({ ...context, err: reason, retryInMs: job ? retryDelayMs(job.attemptsMade, schedule) : undefined }, 'anomaly job failed; retrying');
      return;
    }
    log.error({ ...context, err: reason }, `anomaly job abandoned after ${job.attemptsMade} attempts: its response was not completed`);
    const done = recordAbandoned(job, reason)
      .catch((recordError: unknown) => log.error({ ...context, err: describeError(recordError) }, 'could not record the abandoned job on its incident'))
      .finally(() => recording.delete(done));
    recording.add(done);
  });
  worker.on('error', (error) => log.warn({ err: describeError(error) }, 'anomaly worker error'));
  return {
    async ready() {
      await worker.waitUntilReady();
    },
    async close() {
      await worker.close();
      await Promise.allSettled([...recording]);
      ownRedis?.disconnect();
    },
  };
}
