/**
 * The response path during an RPC outage, end to end through the queue: transient errors leave the
 * incident open (never `containment-failed`), the retry contains it, an abandoned job is recorded, and
 * the RPC url's API key reaches no log line and no Redis value (BullMQ keeps failedReason/stacktrace).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, http, type Address, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { createGuardianPauser, resolvePauseTargets } from '../../responders/pause-guardian.js';
import { makeAnomaly } from '../../responders/test/anomaly-fixture.js';
import { startFlakyRpc, type FlakyRpc } from '../../responders/test/flaky-rpc.js';
import { devKeys, startHarness, waitUntil, type Harness } from '../../responders/test/harness.js';
import { startWebhookServer, type WebhookServer } from '../../responders/test/webhook-server.js';
import { resolveContracts } from '../config/contracts.js';
import { configSchema, type Config } from '../config/schema.js';
import { freePort } from '../drill/processes.js';
import type { Incident } from '../incidents/types.js';
import { createAnomalyQueue, createAnomalyWorker, type RetrySchedule } from '../queue/anomaly-queue.js';
import { createPlanRunner } from './runner.js';

const guardian = privateKeyToAccount(devKeys.guardian);
const fakeKeys = ['FAKEKEYinPATH123', 'FAKEKEYinQUERY456'];
const keyedPath = `/v2/${fakeKeys[0]}?apikey=${fakeKeys[1]}`;
let h: Harness;
let hook: WebhookServer;
let rpc: FlakyRpc;
let prefixCounter = 0;

beforeAll(async () => {
  [h, hook] = await Promise.all([startHarness(), startWebhookServer()]);
  rpc = await startFlakyRpc({ target: h.anvil.url });
}, 30_000);
afterAll(async () => {
  await Promise.all([h?.stop(), hook?.close(), rpc?.close()]);
});

function makeConfig(vault: Address): Config {
  return configSchema.parse({
    chains: [{ id: 31337, name: 'anvil', rpc: { http: [h.anvil.url] } }],
    contracts: [{ name: 'vault', chain: 31337, address: vault, protocol: 'demo', abi: ['function pause()', 'function paused() view returns (bool)'] }],
    detectors: [{ id: 'vault-drain', kind: 'event', severity: 'high', params: { contracts: ['vault'], event: 'Paused' } }],
    plan: { rules: [{ match: { detectors: ['vault-drain'] }, steps: [{ pause: 'pause-vault' }, { notify: 'ops' }] }] },
    responders: {
      guardian: { privateKeyEnv: 'WARDEN_GUARDIAN_KEY' },
      pauses: [{ id: 'pause-vault', contract: 'vault', function: 'function pause()', check: { function: 'function paused() view returns (bool)', expect: true } }],
      webhooks: [{ id: 'ops', url: hook.url, timeout: 1 }],
    },
  });
}

/** The runner behind a real queue and worker, with its pauser on `rpcUrl` (no viem-level retries). */
async function setup(rpcUrl: string, retry: RetrySchedule) {
  const vault = await h.deployPausable(guardian.address);
  const config = makeConfig(vault);
  const contracts = resolveContracts(config);
  const keyPrefix = `t${++prefixCounter}`;
  const incidents = h.incidents(keyPrefix);
  const client = createPublicClient({ chain: foundry, transport: http(rpcUrl, { retryCount: 0, timeout: 2_000 }) }) as PublicClient;
  const pauser = createGuardianPauser({
    chain: config.chains[0]!, publicClient: client, account: guardian, guardian: config.responders.guardian!,
    targets: resolvePauseTargets(config, contracts), redis: h.redis, keyPrefix, log: h.log, pollIntervalMs: 25,
  });
  const runner = createPlanRunner({ config, contracts, incidents, pausers: new Map([[31337, pauser]]), log: h.log, notifyWaitMs: 500 });
  const queue = createAnomalyQueue({ redisUrl: h.redisServer.url, keyPrefix, retry });
  const worker = createAnomalyWorker({ redisUrl: h.redisServer.url, keyPrefix, log: h.log, retry, handle: (anomaly) => runner.handle(anomaly) });
  await worker.ready();
  const incident = async (): Promise<Incident | undefined> => {
    const [summary] = await incidents.list({ limit: 1 });
    return summary && incidents.get(summary.id);
  };
  return { vault, queue, worker, incident, keyPrefix };
}

/** Every value in Redis (strings, hashes, lists, sets, zsets, streams) as one text. */
async function dumpRedis(): Promise<string> {
  let dump = '';
  for (const key of await h.redis.keys('*')) {
    const type = await h.redis.type(key);
    if (type === 'string') dump += await h.redis.get(key);
    else if (type === 'hash') dump += JSON.stringify(await h.redis.hgetall(key));
    else if (type === 'list') dump += (await h.redis.lrange(key, 0, -1)).join('\n');
    else if (type === 'set') dump += (await h.redis.smembers(key)).join('\n');
    else if (type === 'zset') dump += (await h.redis.zrange(key, '0', '-1')).join('\n');
    else if (type === 'stream') dump += JSON.stringify(await h.redis.xrange(key, '-', '+'));
    dump += '\n';
  }
  return dump;
}

async function expectNoFakeKey(): Promise<void> {
  const [dump, logs] = [await dumpRedis(), h.logText()];
  for (const key of fakeKeys) {
    expect(logs).not.toContain(key);
    expect(dump).not.toContain(key);
  }
}

describe('plan runner during an RPC outage', () => {
  it('leaves the incident open while retrying, contains it once the RPC is back, and leaks no RPC key', async () => {
    rpc.down = true;
    const s = await setup(rpc.url(keyedPath), { attempts: 20, firstDelayMs: 200, maxDelayMs: 400 });
    try {
      hook.bodies.length = 0;
      const anomaly = makeAnomaly({ detectorId: 'vault-drain' });
      await s.queue.add([anomaly]);
      await waitUntil(async () => ((await s.queue.queue.getJob(anomaly.id))?.attemptsMade ?? 0) >= 1);
      const job = (await s.queue.queue.getJob(anomaly.id))!;
      expect(job.failedReason).toMatch(/PauseTransient|pausing pause-vault failed/);
      expect(job.stacktrace?.length).toBeGreaterThan(0);

      const during = (await s.incident())!;
      expect(during.status).toBe('open');
      const types = during.timeline.map((entry) => entry.type);
      expect(types).toContain('response-retrying');
      expect(types).not.toContain('containment-failed');
      expect(types).not.toContain('status-changed');
      expect(during.timeline.find((entry) => entry.type === 'response-retrying')!.data).toMatchObject({ targetId: 'pause-vault', anomalyId: anomaly.id });
      expect(rpc.refused).toBeGreaterThan(0);
      await expectNoFakeKey();

      rpc.down = false;
      await waitUntil(async () => (await s.incident())?.status === 'contained', 15_000);
      const after = (await s.incident())!;
      const changes = after.timeline.filter((entry) => entry.type === 'status-changed');
      expect(changes.map((entry) => entry.data)).toEqual([{ from: 'open', to: 'contained' }]);
      await waitUntil(() => hook.bodies.some((body) => (body as { event: string }).event === 'incident.contained'));
      expect(hook.bodies.map((body) => (body as { event: string }).event)).not.toContain('incident.containment-failed');
      await expectNoFakeKey();
    } finally {
      rpc.down = false;
      await s.worker.close();
      await s.queue.close();
    }
  }, 30_000);

  it('records an abandoned job on its incident after the last attempt, without the RPC key', async () => {
    const closedPort = await freePort();
    const s = await setup(`http://127.0.0.1:${closedPort}${keyedPath}`, { attempts: 2, firstDelayMs: 50, maxDelayMs: 50 });
    try {
      const anomaly = makeAnomaly({ detectorId: 'vault-drain' });
      await s.queue.add([anomaly]);
      await waitUntil(async () => (await s.incident())?.timeline.some((entry) => entry.type === 'containment-failed') ?? false);
      const incident = (await s.incident())!;
      const abandoned = incident.timeline.find((entry) => entry.type === 'containment-failed')!;
      expect(abandoned.data).toMatchObject({ abandoned: true, anomalyId: anomaly.id, attempts: 2 });
      expect(abandoned.data.reason).toMatch(/pausing pause-vault failed/);
      // Two failed attempts with the same reason: recorded once (the abandoned entry carries the count).
      expect(incident.timeline.filter((entry) => entry.type === 'response-retrying')).toHaveLength(1);
      const lines = h.logText().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { level: number; msg: string; anomaly?: string });
      expect(lines.some((line) => line.level >= 50 && line.anomaly === anomaly.id && /abandoned after 2 attempts/.test(line.msg))).toBe(true);
      await expectNoFakeKey();
    } finally {
      await s.worker.close();
      await s.queue.close();
    }
  }, 30_000);
});
