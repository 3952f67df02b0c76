/**
 * The main job as a user runs it: `warden drill --report FILE` as a child process, on its own anvil,
 * against a redis-server of the test. Exit 0, the summary line last, and the documented report.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type ManagedProcess } from '../../src/drill/processes.js';
import { runCli, scratchDir, type CliResult } from './cli.js';

describe('warden drill', () => {
  let redis: ManagedProcess;
  let result: CliResult;
  const dir = scratchDir();

  beforeAll(async () => {
    redis = await startRedisServer();
    result = await runCli(['drill', '--report', dir.path('report.json')], { REDIS_URL: redis.url }, 90_000);
  }, 120_000);

  afterAll(async () => {
    await redis?.stop();
    dir.cleanup();
  });

  it('exits 0 with the summary for people as its last line', () => {
    expect(result.code, result.stderr).toBe(0);
    const last = result.stdout.trim().split('\n').at(-1)!;
    expect(last).toMatch(/^contained: exploit in block (\d+), paused in block (\d+) \(1 block\), lost 10\.0% of 1,000,000 DEMO, incident inc_\w+$/);
  });

  it('prints the report for people before the summary', () => {
    expect(result.stdout).toMatch(/^drill report$/m);
    expect(result.stdout).toMatch(/^ {2}value lost {5}100,000 DEMO \(10\.0%\)$/m);
    expect(result.stdout).toMatch(/^ {2}pause {10}tx 0x[0-9a-f]{64} in block \d+ \(1 block after the exploit\)/m);
    expect(result.stdout).toMatch(/warden incidents show inc_\w+ --config config\/drill\.yaml$/m);
  });

  it('writes the JSON report with the documented fields', () => {
    const report = JSON.parse(readFileSync(dir.path('report.json'), 'utf8')) as Record<string, unknown>;
    expect(report).toMatchObject({ contained: true, blocksToContainment: 1, valueAtRisk: '1000000000000000000000000', valueLost: '100000000000000000000000', lostFraction: 0.1 });
    expect(report.pauseBlock).toBe((report.exploitBlock as number) + 1);
    expect(report.detectedBlock).toBe(report.exploitBlock);
    expect(report.pauseTxHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(report.headToBroadcastMs).toBeGreaterThan(0);
    expect(String(report.incidentId)).toMatch(/^inc_/);
    expect(typeof report.scenario).toBe('string');
  });

  it('logs JSON lines when stdout is not a terminal', () => {
    const lines = result.stdout.split('\n').filter((line) => line.startsWith('{'));
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });
});
