/**
 * End to end: the drill scenario on a real anvil (1 s blocks) and a real redis-server — warden
 * detects the first drain step and its pause lands in the very next block. The whole run's logs,
 * queue payloads and incident records are checked for the guardian key.
 */
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GUARDIAN } from '../../src/drill/accounts.js';
import { startRedisServer, type ManagedProcess } from '../../src/drill/processes.js';
import { formatDrillSummary, reportToJson } from '../../src/drill/report.js';
import { runDrill, type RunDrillResult } from '../../src/drill/run.js';
import { createIncidentStore } from '../../src/incidents/store.js';
import { containmentLatency, renderPostmortem } from '../../src/incidents/postmortem.js';
import { createLogger } from '../../src/log.js';

describe('drill: vault drain on 1 s blocks', () => {
  let redisServer: ManagedProcess;
  let result: RunDrillResult;
  let logs = '';
  let redisDump = '';

  beforeAll(async () => {
    redisServer = await startRedisServer();
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    const log = createLogger({ level: 'debug', pretty: false, destination: sink });
    result = await runDrill({ log, blockTime: 1, env: { ...process.env, REDIS_URL: redisServer.url, WARDEN_GUARDIAN_KEY: GUARDIAN.key } });
    const redis = new Redis(redisServer.url);
    const keys = await redis.keys('*');
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'string') redisDump += await redis.get(key);
      else if (type === 'hash') redisDump += JSON.stringify(await redis.hgetall(key));
      else if (type === 'list') redisDump += JSON.stringify(await redis.lrange(key, 0, -1));
      else if (type === 'set') redisDump += JSON.stringify(await redis.smembers(key));
      else if (type === 'zset') redisDump += JSON.stringify(await redis.zrange(key, '0', '-1'));
      else if (type === 'stream') redisDump += JSON.stringify(await redis.xrange(key, '-', '+'));
    }
    redis.disconnect();
  }, 120_000);

  afterAll(async () => {
    await redisServer?.stop();
  });

  it('pauses the vault in the block after the first exploit transaction', () => {
    const { report } = result;
    expect(report.contained).toBe(true);
    expect(report.exploitBlock).toBeTypeOf('number');
    expect(report.detectedBlock).toBe(report.exploitBlock);
    expect(report.pauseBlock).toBe(report.exploitBlock! + 1);
    expect(report.blocksToContainment).toBe(1);
    expect(report.pauseTxHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(report.incidentId).toMatch(/^inc_/);
  });

  it('loses exactly the one slice taken before the pause, and later steps revert', () => {
    const { report } = result;
    const succeeded = report.attackSteps.filter((step) => step.status === 'success');
    expect(succeeded).toHaveLength(1);
    expect(report.attackSteps.at(-1)?.status).toBe('reverted');
    expect(report.valueLost).toBe(succeeded[0]!.amount);
    expect(report.lostFraction).toBeCloseTo(0.1, 6);
    expect(report.headToBroadcastMs).toBeGreaterThan(0);
  });

  it('prints a summary line and a JSON report with the documented fields', () => {
    const summary = formatDrillSummary(result.report);
    expect(summary).toMatch(/^contained: exploit in block \d+, paused in block \d+ \(1 block\), lost 10\.0% of 1,000,000 DEMO, incident inc_/);
    const json = reportToJson(result.report);
    for (const field of ['scenario', 'exploitBlock', 'detectedBlock', 'pauseTxHash', 'pauseBlock', 'blocksToContainment', 'headToBroadcastMs', 'valueAtRisk', 'valueLost', 'lostFraction', 'incidentId', 'contained']) {
      expect(json, field).toHaveProperty(field);
    }
    expect(json.valueAtRisk).toBe('1000000000000000000000000');
  });

  it('writes a post-mortem with the real blocks, pause tx and latencies of the drill incident', async () => {
    const { report } = result;
    const redis = new Redis(redisServer.url);
    try {
      const incident = await createIncidentStore({ redis, keyPrefix: 'warden-drill' }).get(report.incidentId!);
      const latency = containmentLatency(incident!.timeline);
      expect(latency).toMatchObject({ detectedBlock: report.detectedBlock, containedBlock: report.pauseBlock, blocks: 1 });
      expect(latency.seconds).toBeGreaterThan(0);
      expect(latency.headToBroadcastMs).toBeCloseTo(report.headToBroadcastMs!, 1);
      const markdown = renderPostmortem({ incident: incident!, explorerUrl: 'https://explorer.example' });
      expect(markdown).toContain(`[\`${report.pauseTxHash}\`](https://explorer.example/tx/${report.pauseTxHash})`);
      expect(markdown).toContain(`**Contained in block:** [${report.pauseBlock}](https://explorer.example/block/${report.pauseBlock}) — 1 block(s) after detection`);
      expect(markdown).toContain(`**Detected in block:** [${report.detectedBlock}](https://explorer.example/block/${report.detectedBlock})`);
      for (const heading of ['## Summary', '## What warden did automatically', '## Impact', '## Timeline', '## Root cause', '## Recovery', '## Lessons']) expect(markdown).toContain(heading);
    } finally {
      redis.disconnect();
    }
  });

  it('never writes the guardian key to logs, queue payloads or incident records', () => {
    const bare = GUARDIAN.key.slice(2);
    expect(logs.length).toBeGreaterThan(1000);
    expect(redisDump.length).toBeGreaterThan(1000);
    expect(redisDump).toContain(result.report.incidentId!); // the dump really holds the incident records
    for (const text of [logs, redisDump]) {
      expect(text.toLowerCase()).not.toContain(bare.toLowerCase());
    }
    // The log scrubber is the second line of defence: nothing even tried to log a secret.
    expect(logs).not.toContain('[REDACTED]');
  });
});
