/**
 * What the pauser keeps in Redis so that two workers or replicas never send two pause txs for one
 * target, and a retried job finds the tx it already sent (DESIGN invariant 3):
 *
 *   `${keyPrefix}:pause:${chainId}:${address}:${selector}`       the pause record (JSON, below)
 *   `${keyPrefix}:pause-lock:${chainId}:${address}:${selector}`  lock of the target
 *   `${keyPrefix}:guardian-lock:${chainId}:${guardian}`         lock of the guardian's nonce
 *   `${keyPrefix}:guardian-nonce:${chainId}:${guardian}`        last nonce used (short TTL)
 *
 * Both locks are taken together in one round trip: the target lock makes "is a pause in flight?
 * otherwise send" atomic; the guardian lock stops two pauses of DIFFERENT targets from signing with
 * the same nonce (the second would replace the first in the mempool). The last-nonce key bridges the
 * moment between one broadcast and the node counting it in its pending nonce.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Address, Hex } from 'viem';
import type { PauseCall } from './pause-route.js';

export type PauseRecordStatus = 'pending' | 'mined' | 'reverted' | 'rejected' | 'lost';

export interface PauseRecord {
  targetId: string;
  chainId: number;
  address: Address;
  selector: Hex;
  incidentId: string;
  nonce: number;
  /** Every signed version (replacements append), oldest first. */
  txHashes: Hex[];
  /** The latest signed version: public once broadcast, kept so a crashed sender's tx can be re-broadcast. */
  rawTx: Hex;
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
  /** Head block number when the latest version was signed (replacement counts blocks from it). */
  sentAtBlock: number;
  status: PauseRecordStatus;
  minedTxHash?: Hex;
  blockNumber?: number;
  /** A successful pause whose check read back as contained. */
  verified?: boolean;
  /**
   * The call every version sends (pause-route.ts; gas as a decimal string). Absent in records written
   * before Safe routes existed: those called the target directly.
   */
  call?: StoredPauseCall;
  reason?: string;
  updatedAt: number;
}

export type StoredPauseCall = Omit<PauseCall, 'gas'> & { gas: string };

export const storePauseCall = (call: PauseCall): StoredPauseCall => ({ ...call, gas: call.gas.toString() });
export const loadPauseCall = (call: StoredPauseCall): PauseCall => ({ ...call, gas: BigInt(call.gas) });

const acquireScript = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return { 1, redis.call('GET', KEYS[3]) or '', redis.call('GET', KEYS[4]) or '' }
  end
  redis.call('DEL', KEYS[1])
end
return { 0, redis.call('GET', KEYS[3]) or '', '' }
`;

const releaseScript = `
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
end
return 1
`;

/** Writes the record only while we still hold the target lock (a fence: never broadcast after losing it). */
const commitScript = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[4])
return 1
`;

/** Updates the record only if it is still about the same nonce (a later pause may have replaced it). */
const updateScript = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if cjson.decode(current).nonce ~= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`;

/** Deletes the last-nonce hint only if it is still the given nonce (a newer hint is kept). */
const forgetNonceScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0
`;

export interface AcquireResult {
  acquired: boolean;
  token: string;
  record?: PauseRecord;
  lastNonce?: number;
}

export interface PauseRecordStore {
  /** One round trip: takes both locks (or neither) and returns the record and the guardian's last nonce. */
  acquire(): Promise<AcquireResult>;
  release(token: string): Promise<void>;
  /** Persists the record (and last nonce) if `token` still holds the target lock. */
  commit(token: string, record: PauseRecord): Promise<boolean>;
  update(record: PauseRecord): Promise<boolean>;
  /**
   * The broadcast of `nonce` was rejected, so the node will never count it: drop the hint, or the next
   * pause would sign nonce + 1 and leave a gap that is never mined. Keeps a hint of another nonce.
   */
  forgetNonceHint(nonce: number): Promise<void>;
  read(): Promise<PauseRecord | undefined>;
}

export interface CreatePauseRecordStoreParameters {
  redis: Redis;
  keyPrefix: string;
  chainId: number;
  address: Address;
  selector: Hex;
  guardian: Address;
  /** How long a lock holds if its holder dies; default 1 s (see below). */
  lockTtlMs?: number;
  /** How long the last-nonce hint is trusted; only needs to outlive one broadcast. */
  nonceHintTtlMs?: number;
}

export function pauseRecordKey(params: { keyPrefix: string; chainId: number; address: Address; selector: Hex }): string {
  return `${params.keyPrefix}:pause:${params.chainId}:${params.address.toLowerCase()}:${params.selector.toLowerCase()}`;
}

export function createPauseRecordStore(params: CreatePauseRecordStoreParameters): PauseRecordStore {
  const { redis, keyPrefix, chainId } = params;
  const target = `${chainId}:${params.address.toLowerCase()}:${params.selector.toLowerCase()}`;
  const guardian = `${chainId}:${params.guardian.toLowerCase()}`;
  const recordKey = pauseRecordKey(params);
  const targetLock = `${keyPrefix}:pause-lock:${target}`;
  const guardianLock = `${keyPrefix}:guardian-lock:${guardian}`;
  const nonceKey = `${keyPrefix}:guardian-nonce:${guardian}`;
  // Short, so a replica killed while holding it is taken over fast. Safe however slow the holder is:
  // the commit is fenced by the token and happens before the broadcast, so a second holder finds the
  // record (and follows that tx) or commits first (and the late holder's fenced commit fails: no send).
  const lockTtlMs = params.lockTtlMs ?? 1_000;
  const nonceHintTtlMs = params.nonceHintTtlMs ?? 30_000;
  const parse = (json: string) => (json ? (JSON.parse(json) as PauseRecord) : undefined);

  return {
    async acquire() {
      const token = randomBytes(12).toString('hex');
      const [acquired, record, lastNonce] = (await redis.eval(
        acquireScript,
        4,
        targetLock,
        guardianLock,
        recordKey,
        nonceKey,
        token,
        String(lockTtlMs),
      )) as [number, string, string];
      return { acquired: acquired === 1, token, record: parse(record), lastNonce: lastNonce ? Number(lastNonce) : undefined };
    },
    async release(token) {
      await redis.eval(releaseScript, 2, targetLock, guardianLock, token);
    },
    async commit(token, record) {
      const done = await redis.eval(commitScript, 3, targetLock, recordKey, nonceKey, token, JSON.stringify(record), String(record.nonce), String(nonceHintTtlMs));
      return done === 1;
    },
    async update(record) {
      return (await redis.eval(updateScript, 1, recordKey, JSON.stringify({ ...record, updatedAt: Date.now() }), String(record.nonce))) === 1;
    },
    async forgetNonceHint(nonce) {
      await redis.eval(forgetNonceScript, 1, nonceKey, String(nonce));
    },
    async read() {
      return parse((await redis.get(recordKey)) ?? '');
    },
  };
}

/** How far a record has got: a merge never moves a record back (replay.ts, offline pauses). */
const statusRank: Record<PauseRecordStatus, number> = { pending: 0, rejected: 1, lost: 1, reverted: 2, mined: 2 };

/**
 * Writes `record` unless Redis holds a record that is further along: a higher nonce, or the same
 * nonce with at least as many versions and a status at least as final. Idempotent; used to replay
 * pause records made while Redis was unreachable (src/outage/replay.ts).
 */
const mergeScript = `
local current = redis.call('GET', KEYS[1])
if current then
  local old = cjson.decode(current)
  local nonce = tonumber(ARGV[2])
  if old.nonce > nonce then return 0 end
  local rank = { pending = 0, rejected = 1, lost = 1, reverted = 2, mined = 2 }
  if old.nonce == nonce and #old.txHashes >= tonumber(ARGV[3]) and (rank[old.status] or 0) >= tonumber(ARGV[4]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`;

export async function mergePauseRecord(params: { redis: Redis; recordKey: string; record: PauseRecord }): Promise<boolean> {
  const { redis, recordKey, record } = params;
  const rank = statusRank[record.status];
  return (await redis.eval(mergeScript, 1, recordKey, JSON.stringify(record), String(record.nonce), String(record.txHashes.length), String(rank))) === 1;
}

/**
 * A pause record store in memory, for pauses made while Redis is unreachable (src/outage): the locks
 * are this process's, and every record written is handed to `onWrite` (which spools it). Across
 * replicas the guardian's nonce is the fence: offline pauses sign the mined nonce (see the pauser),
 * so two replicas sign the same tx, and one nonce can be mined once.
 */
export function createLocalPauseRecordStore(params: { onWrite(record: PauseRecord): void; locks: Set<string>; lockKey: string; guardianKey: string }): PauseRecordStore {
  const { locks, lockKey, guardianKey } = params;
  let stored: PauseRecord | undefined;
  let lastNonce: number | undefined;
  const holders = new Map<string, string[]>();
  const write = (record: PauseRecord) => {
    stored = record;
    params.onWrite(record);
  };
  return {
    async acquire() {
      const token = randomBytes(12).toString('hex');
      if (locks.has(lockKey) || locks.has(guardianKey)) return { acquired: false, token, record: stored };
      locks.add(lockKey).add(guardianKey);
      holders.set(token, [lockKey, guardianKey]);
      return { acquired: true, token, record: stored, lastNonce };
    },
    async release(token) {
      for (const key of holders.get(token) ?? []) locks.delete(key);
      holders.delete(token);
    },
    async commit(token, record) {
      if (!holders.has(token)) return false;
      write(record);
      lastNonce = record.nonce;
      return true;
    },
    async update(record) {
      if (!stored || stored.nonce !== record.nonce) return false;
      write({ ...record, updatedAt: Date.now() });
      return true;
    },
    async forgetNonceHint(nonce) {
      if (lastNonce === nonce) lastNonce = undefined;
    },
    async read() {
      return stored;
    },
  };
}
