/**
 * Redis for a drill: use the one at REDIS_URL (default redis://127.0.0.1:6379) when it answers;
 * otherwise start a throwaway redis-server if one is on PATH; otherwise explain how to get Redis.
 */
import { Redis } from 'ioredis';
import { redactUrl, type Logger } from '../log.js';
import { RedisUnavailableError } from '../redis.js';
import { startRedisServer } from './processes.js';

export interface DrillRedis {
  url: string;
  /** True when the drill started its own redis-server (stopped by `stop`). */
  started: boolean;
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export async function ensureDrillRedis(params: { url?: string; log: Logger }): Promise<DrillRedis> {
  const url = params.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await answers(url)) return { url, started: false, stop: async () => {} };
  try {
    const server = await startRedisServer();
    params.log.info({ redis: server.url }, `nothing answers at ${redactUrl(url)}: started a throwaway redis-server`);
    return { url: server.url, started: true, stop: server.stop };
  } catch (error) {
    throw new RedisUnavailableError(
      `the drill needs Redis: nothing answers at ${redactUrl(url)} and ${whyNoServer(error)}. ` +
        'Run `docker compose up -d redis`, or install redis-server ' +
        '(Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis), or set REDIS_URL.',
    );
  }
}

function whyNoServer(error: unknown): string {
  const message = (error as Error).message ?? String(error);
  if (message.includes('ENOENT')) return 'redis-server is not installed (not on PATH)';
  return `a throwaway redis-server could not be started (${message.split('\n')[0]})`;
}
