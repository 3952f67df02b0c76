/**
 * `warden reload` reaches every running replica through Redis: the command publishes a request on
 * `<keyPrefix>:control:reload`; each daemon subscribed there reloads its own config file and writes
 * its outcome into the hash `<keyPrefix>:reload:<requestId>` (field: replica id); the command waits
 * for as many outcomes as PUBLISH reported receivers. Redis is what the replicas already share, so no
 * pid files or extra ports are needed, and a replica on another host is reached too.
 *
 * @example
 * const listener = await listenForReloads({ redisUrl, keyPrefix, replicaId, log, reload: () => warden.reloadFromFile() });
 * const { receivers, outcomes } = await requestReload({ redisUrl, keyPrefix, timeoutMs: 10_000 });
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { describeError } from '../errors.js';

export type ReloadOutcome =
  | { ok: true; changed: string[]; needsRestart: string[] }
  | { ok: false; error: string };

const channelOf = (keyPrefix: string) => `${keyPrefix}:control:reload`;
const resultKeyOf = (keyPrefix: string, requestId: string) => `${keyPrefix}:reload:${requestId}`;
/** Outcomes are kept this long for the command (and people) to read. */
const resultTtlSeconds = 600;

export interface ReloadListener {
  close(): Promise<void>;
}

export async function listenForReloads(params: {
  redisUrl: string;
  keyPrefix: string;
  /** Names this replica in the outcome, e.g. `host:pid`. */
  replicaId: string;
  log: Logger;
  reload(): Promise<ReloadOutcome>;
}): Promise<ReloadListener> {
  const { keyPrefix, log } = params;
  // A subscribed connection can do nothing else; outcomes are written on a second one.
  const subscriber = new Redis(params.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  const writer = new Redis(params.redisUrl, { maxRetriesPerRequest: 3, lazyConnect: true });
  for (const connection of [subscriber, writer]) connection.on('error', (error: Error) => log.warn({ err: describeError(error) }, 'redis error (reload control)'));
  subscriber.on('message', (_channel: string, message: string) => {
    let requestId: string;
    try {
      requestId = String((JSON.parse(message) as { requestId?: unknown }).requestId ?? '');
      if (!/^[0-9a-f]{16,64}$/.test(requestId)) throw new Error('bad request id');
    } catch {
      log.warn('ignored a malformed reload request');
      return;
    }
    void (async () => {
      const outcome = await params.reload().catch((error: unknown): ReloadOutcome => ({ ok: false, error: describeError(error) }));
      const key = resultKeyOf(keyPrefix, requestId);
      await writer.multi().hset(key, params.replicaId, JSON.stringify(outcome)).expire(key, resultTtlSeconds).exec();
    })().catch((error: unknown) => log.warn({ err: describeError(error) }, 'could not record the reload outcome'));
  });
  await subscriber.connect();
  await subscriber.subscribe(channelOf(keyPrefix));
  return {
    async close() {
      subscriber.disconnect();
      writer.disconnect();
    },
  };
}

export interface RequestReloadResult {
  /** Daemons that received the request (PUBLISH's count). */
  receivers: number;
  /** Outcomes by replica id; fewer than `receivers` when some did not answer in time. */
  outcomes: Record<string, ReloadOutcome>;
}

export async function requestReload(params: { redisUrl: string; keyPrefix: string; timeoutMs: number; pollMs?: number }): Promise<RequestReloadResult> {
  const redis = new Redis(params.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => {}); // the first command's rejection says it
  try {
    await redis.connect();
    const requestId = randomBytes(16).toString('hex');
    const receivers = await redis.publish(channelOf(params.keyPrefix), JSON.stringify({ requestId }));
    const deadline = Date.now() + params.timeoutMs;
    let raw: Record<string, string> = {};
    while (receivers > 0) {
      raw = await redis.hgetall(resultKeyOf(params.keyPrefix, requestId));
      if (Object.keys(raw).length >= receivers || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, params.pollMs ?? 50));
    }
    const outcomes = Object.fromEntries(Object.entries(raw).map(([replica, text]) => [replica, JSON.parse(text) as ReloadOutcome]));
    return { receivers, outcomes };
  } finally {
    redis.disconnect();
  }
}
