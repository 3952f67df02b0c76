/**
 * Containment while Redis is unreachable: the anomaly cannot go through the queue, so the process
 * that detected it runs the plan's pause steps itself, through the same pauser code working on
 * in-memory records (an "offline" pauser: createGuardianPauser with local record stores). Everything
 * it records — timeline entries, pause records, the contained status — goes through the outage mode:
 * to the spool while spooling, to Redis (by the same replay code) once Redis is back.
 *
 * Only pauses run here. Notifications, pages and the rest of the plan run when the anomaly's job is
 * replayed onto the queue: they need the incident, its cooldowns and escalation timers, all in Redis.
 *
 * Guarantees:
 * - Each anomaly is contained at most once per process (later calls join the first run).
 * - A pause that hits an RPC error is retried with backoff while Redis stays away; once Redis is back
 *   the replayed job takes over (the pause record it finds makes it follow the same tx).
 */
import type { Logger } from 'pino';
import type { Anomaly } from '../../detectors/types.js';
import type { GuardianPauser, PauseOutcome } from '../../responders/pause-guardian.js';
import { backoffMs, sleep } from '../chain/retry.js';
import type { ResolvedContract } from '../config/contracts.js';
import type { Config } from '../config/schema.js';
import { describeError } from '../errors.js';
import type { TimelineEntry } from '../incidents/types.js';
import { planActions } from '../plan/match.js';
import type { OutageMode } from './mode.js';
import { offlineIncidentId } from './replay.js';
import type { SpoolEntry } from './spool.js';

export interface DirectContainment {
  /** Starts the pause steps of `anomaly`; resolves once every pause is broadcast (or needs none, or failed). */
  contain(anomaly: Anomaly): Promise<void>;
  /** Waits for every run in flight (shutdown). */
  drain(): Promise<void>;
}

export interface CreateDirectContainmentParameters {
  current(): { config: Config; contracts: Map<string, ResolvedContract> };
  /** Offline pausers by chain id. */
  pausers: ReadonlyMap<number, GuardianPauser>;
  mode: OutageMode;
  /** Writes one entry to Redis now (the replayer applied to one entry). */
  applyNow(entries: SpoolEntry[]): Promise<void>;
  log: Logger;
  /** Attempts of a pause that keeps hitting RPC errors; default 20 (about 5 minutes with backoff). */
  maxAttempts?: number;
}

const dispatchingEntries = new Set(['tx-broadcast', 'already-contained', 'containment-failed']);

export function createDirectContainment(params: CreateDirectContainmentParameters): DirectContainment {
  const { mode, log } = params;
  const maxAttempts = params.maxAttempts ?? 20;
  const runs = new Map<string, Promise<void>>();

  /** To the spool while spooling, else straight to Redis (with the anomaly, so its incident exists). */
  const write = (anomaly: Anomaly, entry: SpoolEntry) =>
    mode.write(entry, () => params.applyNow([{ kind: 'contain-started', anomaly }, entry])).catch((error: unknown) => {
      log.error({ anomaly: anomaly.id, kind: entry.kind, err: describeError(error) }, 'could not record an offline containment step');
    });

  async function pauseTarget(anomaly: Anomaly, pauser: GuardianPauser, targetId: string, dispatched: () => void): Promise<PauseOutcome | undefined> {
    const record = async (entry: TimelineEntry, options?: { onceKey?: string }) => {
      if (dispatchingEntries.has(entry.type)) dispatched();
      await write(anomaly, { kind: 'timeline', anomalyId: anomaly.id, entry, onceKey: options?.onceKey });
      return true;
    };
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      try {
        return await pauser.pause({ targetId, incidentId: offlineIncidentId(anomaly.id), record });
      } catch (error) {
        // Redis is back: the replayed job retries through the queue from here.
        if (!mode.spooling()) return undefined;
        const delay = backoffMs(attempt, 250);
        log.error({ anomaly: anomaly.id, target: targetId, err: describeError(error), attempt, retryInMs: delay }, 'offline pause failed; retrying');
        await sleep(delay);
      }
    }
    log.error({ anomaly: anomaly.id, target: targetId }, `offline pause failed ${maxAttempts} times; the replayed job retries once Redis is back`);
    return undefined;
  }

  async function run(anomaly: Anomaly, dispatched: () => void): Promise<void> {
    const { config, contracts } = params.current();
    const targetIds = planActions(config, anomaly).actions.flatMap((action) => (action.kind === 'pause' && !action.dryRun ? [action.targetId] : []));
    if (targetIds.length === 0) return;
    await write(anomaly, { kind: 'contain-started', anomaly });
    log.warn({ anomaly: anomaly.id, targets: targetIds }, 'Redis unreachable: containing directly, without the queue');
    let undispatched = targetIds.length;
    const outcomes = await Promise.all(
      targetIds.map((targetId) => {
        let done = false;
        const one = () => {
          if (done) return;
          done = true;
          if (--undispatched === 0) dispatched();
        };
        const chainId = contracts.get(config.responders.pauses.find((pause) => pause.id === targetId)?.contract ?? '')?.chainId;
        const pauser = chainId === undefined ? undefined : params.pausers.get(chainId);
        if (!pauser) {
          // The replayed job records why (no guardian on that chain, unknown target).
          one();
          return undefined;
        }
        return pauseTarget(anomaly, pauser, targetId, one).finally(one);
      }),
    );
    const contained = outcomes.every((outcome) => outcome?.status === 'paused' || outcome?.status === 'already-contained');
    if (contained) await write(anomaly, { kind: 'contained', anomalyId: anomaly.id });
  }

  return {
    contain(anomaly) {
      if (runs.has(anomaly.id)) return Promise.resolve();
      let markDispatched!: () => void;
      const dispatched = new Promise<void>((resolve) => (markDispatched = resolve));
      const running = run(anomaly, markDispatched)
        .catch((error: unknown) => log.error({ anomaly: anomaly.id, err: describeError(error) }, 'offline containment failed'))
        .finally(markDispatched);
      runs.set(anomaly.id, running);
      // Remembered a while, so a block processed again does not start a second run.
      void running.finally(() => setTimeout(() => runs.delete(anomaly.id), 10 * 60_000).unref());
      return dispatched;
    },
    async drain() {
      await Promise.allSettled([...runs.values()]);
    },
  };
}
