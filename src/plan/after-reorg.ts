/**
 * When a reorg drops the block that held warden's pause tx, the protocol may be unpaused again on the
 * new branch (a node may drop reorged-out transactions). Containment must hold on the chain as it is
 * now: record that the pause was reorged out and follow the same signed tx again — found re-included,
 * re-broadcast with its nonce if the node dropped it, and only if that nonce was used meanwhile a new
 * pause. A failure marks the incident containment-failed. Nothing is ever unpaused.
 *
 * Runs in the background of the follower (a reorg must not hold up the next block); shutdown drains it.
 */
import type { GuardianPauser } from '../../responders/pause-guardian.js';
import { describeError } from '../errors.js';
import type { IncidentStore } from '../incidents/store.js';
import { timelineEntry } from '../incidents/types.js';
import type { Logger } from '../log.js';

export interface AfterReorg {
  /** Starts re-checking the pauses of `pauser` mined above `commonAncestor`. */
  start(params: { pauser: GuardianPauser; commonAncestor: number }): void;
  drain(): Promise<void>;
}

export function createAfterReorg(params: { incidents: IncidentStore; log: Logger }): AfterReorg {
  const { incidents, log } = params;
  const running = new Set<Promise<void>>();
  return {
    start({ pauser, commonAncestor }) {
      const run = pauser
        .afterReorg({
          commonAncestor,
          onDropped: ({ targetId, incidentId, txHash, blockNumber }) =>
            incidents.append({
              incidentId,
              entry: timelineEntry('pause-reorged-out', { targetId, txHash, blockNumber, note: 'the pause tx is no longer on the chain; following it again' }),
              onceKey: `pause-reorged-out:${txHash}:${commonAncestor}`,
            }),
          record: (incidentId) => (entry, options) => incidents.append({ incidentId, entry, onceKey: options?.onceKey }),
        })
        .then(async (results) => {
          for (const { incidentId, outcome } of results) {
            if (outcome.status !== 'failed') continue;
            // The incident said contained; on the chain as it is now, it is not.
            await incidents
              .setStatus({ incidentId, status: 'containment-failed', reason: `after a reorg: ${outcome.targetId}: ${outcome.reason}` })
              .catch((error: unknown) => log.warn({ incident: incidentId, err: describeError(error) }, 'incident status left as is'));
          }
        })
        .catch((error: unknown) => log.error({ err: describeError(error) }, 'could not check the pause again after a reorg'));
      running.add(run);
      void run.finally(() => running.delete(run));
    },
    async drain() {
      await Promise.allSettled([...running]);
    },
  };
}
