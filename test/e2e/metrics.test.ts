/**
 * /metrics and /readyz of a running warden, after the drill's drain on a real anvil (1 s blocks) and
 * redis-server: the counters say what happened (blocks, anomalies, the pause, RPC calls, head →
 * broadcast), /readyz is 200 while warden can protect and 503 naming Redis once Redis is gone (and
 * its spool cannot be written).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drillAccounts } from '../../src/drill/accounts.js';
import { runDrainAttack } from '../../src/drill/attack.js';
import { eventually, startWorld, type World } from './world.js';

let world: World;
const get = (path: string) => fetch(`http://${world.warden.healthAddress()}${path}`);

/** The value of one sample line, e.g. value(text, 'warden_blocks_processed_total{chain="anvil"}'). */
function value(text: string, sample: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

beforeAll(async () => {
  // A spool that cannot be written: with Redis gone warden cannot keep anything, so it is not ready.
  world = await startWorld({ blockTime: 1, spoolDir: join(fileURLToPath(import.meta.url), 'not-a-directory') });
  await runDrainAttack({ rpcUrl: world.anvil.url, attackerKey: drillAccounts.attacker.key, vault: world.vault, victims: drillAccounts.depositors.map((d) => d.address) });
  await eventually(async () => {
    const [summary] = await world.warden.incidents.list({ limit: 1 });
    return summary?.status === 'contained' ? true : undefined;
  }, 30_000, 'containment');
}, 120_000);
afterAll(async () => world?.stop());

describe('metrics and readiness endpoints', () => {
  it('counts blocks, anomalies, the pause, RPC requests and head → broadcast in Prometheus format', async () => {
    const response = await get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const tip = world.warden.chains()[0]!.tip!.number;
    expect(value(text, 'warden_blocks_processed_total{chain="anvil"}')).toBeGreaterThan(2);
    expect(value(text, 'warden_last_processed_block{chain="anvil"}')).toBeLessThanOrEqual(tip);
    expect(value(text, 'warden_anomalies_total{chain="anvil",detector="vault-large-withdraw",severity="critical",mode="act"}')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'warden_containment_outcomes_total{target="vault-pause",outcome="paused"}')).toBe(1);
    expect(value(text, 'warden_head_to_broadcast_seconds_count{chain="anvil"}')).toBe(1);
    expect(value(text, 'warden_head_to_broadcast_seconds_sum{chain="anvil"}')).toBeGreaterThan(0);
    expect(value(text, 'warden_rpc_requests_total{chain="anvil",method="eth_getLogs",endpoint="0:127.0.0.1",outcome="ok"}')).toBeGreaterThan(0);
    expect(value(text, 'warden_rpc_request_duration_seconds_count{chain="anvil",method="eth_getLogs",endpoint="0:127.0.0.1"}')).toBeGreaterThan(0);
    expect(value(text, 'warden_queue_jobs{state="failed"}')).toBe(0);
    expect(value(text, 'warden_rpc_endpoint_in_rotation{chain="anvil",endpoint="0:127.0.0.1"}')).toBe(1);
    expect(value(text, 'warden_readiness_failing{chain="anvil"}')).toBe(0);
    expect(value(text, 'warden_head_lag_blocks{chain="anvil"}')).toBeGreaterThanOrEqual(0);
    expect(value(text, 'warden_detector_evaluations_total{chain="anvil",detector="vault-drain"}')).toBeGreaterThan(2);
    expect(value(text, 'warden_detector_hits_total{chain="anvil",detector="vault-large-withdraw"}')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'warden_detector_seconds_total{chain="anvil",detector="vault-drain"}')).toBeGreaterThan(0);
    expect(text).toContain('warden_process_resident_memory_bytes');
  });

  it('is ready while following with Redis up, and names Redis when it is gone', async () => {
    const ready = await get('/readyz');
    const body = (await ready.json()) as { status: string; checks: { name: string; ok: boolean }[] };
    expect(ready.status, JSON.stringify(body)).toBe(200);
    expect(body.checks.map((check) => [check.name, check.ok])).toEqual([['chain anvil', true], ['redis', true], ['readiness anvil', true]]);
    await world.redis.stop();
    const down = await get('/readyz');
    const downBody = (await down.json()) as { status: string; checks: { name: string; ok: boolean; detail: string }[] };
    expect(down.status).toBe(503);
    expect(downBody.checks.find((check) => check.name === 'redis')).toMatchObject({ ok: false });
    // Once a block tried to spool, /readyz says why the spool cannot stand in (test/e2e/redis-outage.test.ts: when it can).
    const spoolFailing = await eventually(async () => {
      const checks = ((await (await get('/readyz')).json()) as typeof downBody).checks;
      return checks.find((check) => check.name === 'redis' && check.detail.includes('spool cannot be written'));
    }, 10_000, 'the spool failure on /readyz');
    expect(spoolFailing.ok).toBe(false);
    expect((await get('/healthz')).status).toBe(200); // alive all the same
  }, 30_000);
});
