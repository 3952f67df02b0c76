/**
 * Connecting to Redis with one clear failure: when nothing answers, the message names the url
 * (password hidden), the real cause (ECONNREFUSED, NOAUTH, …) and how to get a Redis.
 */
import { Redis } from 'ioredis';
import { redactUrl } from './log.js';

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

export function redisUnavailable(url: string, cause: string, fix = 'Start one with `docker compose up -d redis`, install redis-server (apt-get install redis-server), or set REDIS_URL.'): RedisUnavailableError {
  return new RedisUnavailableError(`Redis at ${redactUrl(url)} does not answer (${cause}). ${fix}`);
}

/** Opens a connection and pings; fails fast with RedisUnavailableError when nothing answers. */
export async function connectRedis(url: string, options: { connectTimeoutMs?: number } = {}): Promise<Redis> {
  let lastError: Error | undefined;
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 3_000,
    maxRetriesPerRequest: 3,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  // The command fails with a generic "Connection is closed"; the error event has the real cause.
  redis.on('error', (error: Error) => (lastError = error));
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    throw redisUnavailable(url, (lastError ?? (error as Error)).message.split('\n')[0] ?? 'no answer');
  }
}
