import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type ManagedProcess } from '../drill/processes.js';
import { warmUpIncidentStore } from './warm-up.js';

describe('incident warm-up', () => {
  let server: ManagedProcess;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('leaves no key behind and touches nothing outside its own prefix, even run concurrently', async () => {
    await redis.set('warden:incidents', 'real data');
    await Promise.all([warmUpIncidentStore({ redis, keyPrefix: 'warden' }), warmUpIncidentStore({ redis, keyPrefix: 'warden' })]);
    await warmUpIncidentStore({ redis, keyPrefix: 'warden' });
    expect(await redis.keys('*')).toEqual(['warden:incidents']);
    expect(await redis.get('warden:incidents')).toBe('real data');
  });
});
