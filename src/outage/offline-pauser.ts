/**
 * The offline pauser of one chain: the guardian pauser (responders/pause-guardian.ts) with its pause
 * records and locks in memory instead of Redis, for containment during a Redis outage
 * (direct-containment.ts). Same checks, same signing, same following of the tx; only the
 * coordination differs:
 * - within this process the in-memory locks serialise pauses like the Redis locks do;
 * - across replicas the nonce is the fence: it signs the guardian's mined ('latest') nonce, so two
 *   replicas deciding on the same head sign byte-identical txs (deterministic signatures, fees from
 *   the same head) and the node keeps one ("already known"); one nonce is mined at most once.
 * Each record it writes is spooled (or written to Redis once it is back) for the replay to merge.
 * Targets paused through a Safe proposal are left out: proposals need Redis and the Transaction
 * Service; their anomalies are handled when the job is replayed.
 */
import { createGuardianPauser, type CreateGuardianPauserParameters, type GuardianPauser } from '../../responders/pause-guardian.js';
import { createLocalPauseRecordStore, pauseRecordKey } from '../../responders/pause-record.js';
import { describeRpcError } from '../../responders/rpc-errors.js';
import type { OutageMode } from './mode.js';
import type { SpoolEntry } from './spool.js';

export function createOfflinePauser(
  params: Omit<CreateGuardianPauserParameters, 'proposals' | 'recordStore' | 'nonceBlockTag'> & {
    mode: OutageMode;
    /** Writes entries to Redis now (the spool replayer). */
    applyNow(entries: SpoolEntry[]): Promise<void>;
  },
): GuardianPauser | undefined {
  const { mode, applyNow, ...pauser } = params;
  const targets = pauser.targets.filter((target) => target.route.mode !== 'safe-propose');
  if (targets.length === 0) return undefined;
  const locks = new Set<string>();
  const guardianKey = `guardian:${pauser.account.address.toLowerCase()}`;
  const send = pauser.broadcast ?? (async ({ client, raw }) => void (await client.request({ method: 'eth_sendRawTransaction', params: [raw] })));
  return createGuardianPauser({
    ...pauser,
    targets,
    nonceBlockTag: 'latest',
    // A sibling replica priced its identical pause from a newer head: its tx holds the nonce. Follow
    // on as if ours were in the pool: if that nonce gets mined by something else, the follower sees
    // "nonce used", reads the check again and, if not contained, pauses with the next nonce.
    broadcast: async (params) => {
      try {
        await send(params);
      } catch (error) {
        if (!/replacement transaction underpriced|transaction underpriced/i.test(describeRpcError(error))) throw error;
        pauser.log.warn({ err: describeRpcError(error) }, 'offline pause: another tx of the guardian holds this nonce (likely another replica\'s pause); following');
      }
    },
    recordStore: (target) => {
      const recordKey = pauseRecordKey({ keyPrefix: pauser.keyPrefix, chainId: pauser.chain.id, address: target.address, selector: target.selector });
      return createLocalPauseRecordStore({
        locks,
        lockKey: `target:${target.id}`,
        guardianKey,
        onWrite(record) {
          const anomalyId = record.incidentId.replace(/^offline-/, '');
          const entry: SpoolEntry = { kind: 'pause-record', anomalyId, recordKey, record };
          void mode.write(entry, () => applyNow([entry])).catch((error: unknown) =>
            pauser.log.error({ target: target.id, err: String(error) }, 'could not record an offline pause record'),
          );
        },
      });
    },
  });
}
