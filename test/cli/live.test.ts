/**
 * The real `warden` bin against one world (anvil + redis-server + the demo protocol): `check --live`
 * passing and failing row by row, `run` following and stopping on SIGTERM, and `incidents list|show`
 * reading what that run recorded.
 */
import { Redis } from 'ioredis';
import { createTestClient, http, parseEther, type Address, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anomalyId, type Anomaly } from '../../detectors/types.js';
import { drillAccounts } from '../../src/drill/accounts.js';
import { deployDemoProtocol } from '../../src/drill/demo-protocol.js';
import { freePort } from '../../src/drill/processes.js';
import { createIncidentStore, type Incident } from '../../src/incidents/store.js';
import { createAnomalyQueue } from '../../src/queue/anomaly-queue.js';
import { processRunId } from '../../src/run-id.js';
import { checkRows, drillConfigPath, editedDrillConfig, runCli, scratchDir, spawnCli, startCliChain, type CliChain } from './cli.js';

const guardian = drillAccounts.guardian.address;
const keyPrefix = 'warden-drill'; // config/drill.yaml
let chain: CliChain;
/** A second vault on the same chain whose PAUSER_ROLE went to the attacker, not to warden's guardian. */
let rolelessVault: Address;
const scratch = scratchDir();

beforeAll(async () => {
  chain = await startCliChain();
  const roleless = await deployDemoProtocol({
    rpcUrl: chain.anvil.url,
    deployerKey: drillAccounts.deployer.key,
    guardianAddress: drillAccounts.attacker.address,
    depositors: [],
  });
  rolelessVault = roleless.vault;
});
afterAll(async () => {
  scratch.cleanup();
  await chain?.stop();
});

function row(rows: ReturnType<typeof checkRows>, check: string, subject?: RegExp) {
  const found = rows.find((entry) => entry.check === check && (!subject || subject.test(entry.subject)));
  if (!found) throw new Error(`no "${check}" row in ${JSON.stringify(rows)}`);
  return found;
}

describe('check --live', () => {
  it('passes every row against a healthy world, as a table and as JSON', async () => {
    const [table, json] = await Promise.all([
      runCli(['check', '--config', drillConfigPath, '--live'], chain.env),
      runCli(['check', '--config', drillConfigPath, '--live', '--json'], chain.env),
    ]);
    expect(table.code, table.stdout + table.stderr).toBe(0);
    for (const check of ['redis', 'chain id', 'has code', 'can pause', 'guardian funds']) expect(table.stdout).toMatch(new RegExp(`^${check}\\s.*\\sok\\s`, 'm'));
    expect(table.stdout).not.toMatch(/FAIL/);
    expect(table.stdout).toMatch(/all checks passed/);
    expect(json.code).toBe(0);
    const rows = checkRows(json.stdout);
    expect(rows.every((entry) => entry.ok)).toBe(true);
    expect(rows.map((entry) => entry.check)).toEqual(['config', 'guardian key', 'redis', 'chain id', 'chain id', 'has code', 'has code', 'can pause', 'guardian funds']);
    expect(row(rows, 'can pause').detail).toContain(`from guardian ${guardian} succeeds`);
  });

  it('fails the row that is wrong, in one line that names the problem and holds no secret', async () => {
    const wrongChain = scratch.write('chain-1.yaml', await editedDrillConfig([[/31337/g, '1']]));
    const deadPort = await freePort();
    const [noRole, chainId, noCode, secretUrl] = await Promise.all([
      runCli(['check', '-c', drillConfigPath, '--live', '--json'], { ...chain.env, DRILL_VAULT_ADDRESS: rolelessVault }),
      runCli(['check', '-c', wrongChain, '--live', '--json'], chain.env),
      runCli(['check', '-c', drillConfigPath, '--live', '--json'], { ...chain.env, DRILL_VAULT_ADDRESS: '0x0000000000000000000000000000000000001234' }),
      runCli(['check', '-c', drillConfigPath, '--live', '--json'], {
        ...chain.env,
        DRILL_RPC_URL: `http://alice:s3cret-pass@127.0.0.1:${deadPort}/v2/SECRET-API-KEY`,
        DRILL_WS_URL: `ws://127.0.0.1:${deadPort}/ws/SECRET-API-KEY`,
      }),
    ]);
    for (const result of [noRole, chainId, noCode, secretUrl]) {
      expect(result.code, result.stdout + result.stderr).toBe(1);
      for (const entry of checkRows(result.stdout)) expect(entry.detail).not.toContain('\n');
    }

    const pause = row(checkRows(noRole.stdout), 'can pause');
    expect(pause.ok).toBe(false);
    expect(pause.detail).toMatch(new RegExp(`^guardian ${guardian} lacks PAUSER_ROLE to call pause\\(\\) on vault \\(AccessControlUnauthorizedAccount\\(${guardian}, PAUSER_ROLE`));

    const chainRows = checkRows(chainId.stdout);
    expect(row(chainRows, 'chain id')).toMatchObject({ ok: false, detail: 'the endpoint serves chain id 31337 but the config says 1: fix the url or the chain\'s id' });
    expect(row(chainRows, 'has code', /^vault/)).toMatchObject({ ok: false, detail: 'not checked: no RPC url of chain anvil serves chain id 1' });
    expect(row(chainRows, 'redis').ok).toBe(true);

    const codeRows = checkRows(noCode.stdout);
    expect(row(codeRows, 'has code', /^vault/)).toMatchObject({ ok: false, detail: expect.stringMatching(/^no code at this address on chain 31337/) });
    expect(row(codeRows, 'has code', /^token/).ok).toBe(true);
    expect(row(codeRows, 'can pause')).toMatchObject({ ok: false, detail: expect.stringMatching(/^no code at 0x0{36}1234: pause\(\) on vault would do nothing/) });

    const urlRows = checkRows(secretUrl.stdout);
    expect(row(urlRows, 'chain id', /http:/)).toMatchObject({ ok: false, subject: `anvil http://***@127.0.0.1:${deadPort}/…`, detail: expect.stringMatching(/HTTP request failed.*ECONNREFUSED/) });
    expect(row(urlRows, 'chain id', /ws:/)).toMatchObject({ ok: false, subject: `anvil ws://127.0.0.1:${deadPort}/…`, detail: expect.stringMatching(/ECONNREFUSED/) });
    for (const secret of ['alice', 's3cret-pass', 'SECRET-API-KEY']) expect(secretUrl.stdout + secretUrl.stderr).not.toContain(secret);
  });

  it('fails "guardian funds" for a guardian without ETH, saying how much to send', async () => {
    const testClient = createTestClient({ mode: 'anvil', transport: http(chain.anvil.url) });
    await testClient.setBalance({ address: guardian, value: 0n });
    try {
      const result = await runCli(['check', '-c', drillConfigPath, '--live', '--json'], chain.env);
      expect(result.code).toBe(1);
      const rows = checkRows(result.stdout);
      expect(row(rows, 'guardian funds')).toMatchObject({ ok: false, detail: expect.stringMatching(/^0 ETH; 5 pauses at current fees need [\d.]+ ETH: send the guardian at least [\d.]+ ETH$/) });
      expect(rows.filter((entry) => !entry.ok)).toHaveLength(1);
    } finally {
      await testClient.setBalance({ address: guardian, value: parseEther('10000') });
    }
  });
});

function anomalyFor(vault: Address): Anomaly {
  const blockHash = `0x${'cd'.repeat(32)}` as Hex;
  return {
    id: anomalyId({ chainId: 31337, detectorId: 'vault-large-withdraw', blockHash, key: 'cli' }),
    detectorId: 'vault-large-withdraw',
    kind: 'event',
    severity: 'critical',
    chainId: 31337,
    blockNumber: 7,
    blockHash,
    txHashes: [],
    summary: 'test anomaly for the CLI',
    evidence: { amount: '60000000000000000000000' },
    addresses: [vault],
    observedAt: { wallMs: Date.now(), monoNs: process.hrtime.bigint().toString(), runId: processRunId },
  };
}

async function settledIncident(redisUrl: string): Promise<Incident> {
  const redis = new Redis(redisUrl);
  const store = createIncidentStore({ redis, keyPrefix });
  try {
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
      const [summary] = await store.list({ limit: 1 });
      if (summary && summary.status !== 'open') return (await store.get(summary.id))!;
    }
    throw new Error('no settled incident within 20 s');
  } finally {
    redis.disconnect();
  }
}

describe('run, then incidents', () => {
  let incident: Incident;

  it('run follows, contains an anomaly, and stops on SIGTERM with exit 0 and JSON log lines', async () => {
    const run = spawnCli(['run', '--config', drillConfigPath], chain.env);
    try {
      await run.waitFor(/warden is following/);
      const queue = createAnomalyQueue({ redisUrl: chain.redis.url, keyPrefix });
      await queue.add([anomalyFor(chain.vault)]);
      await queue.close();
      incident = await settledIncident(chain.redis.url);
      expect(incident.status).toBe('contained');
      const stoppedAt = Date.now();
      run.child.kill('SIGTERM');
      const result = await run.exited;
      expect(Date.now() - stoppedAt).toBeLessThan(5_000);
      expect(result.code, result.stderr).toBe(0);
      const lines = result.stdout.trim().split('\n');
      const records = lines.map((line) => JSON.parse(line) as { msg: string; level: number });
      expect(records.map((record) => record.msg)).toEqual(expect.arrayContaining(['warden is following', 'warden stopped']));
      expect(records.at(-1)!.msg).toBe('warden stopped');
      expect(result.stdout + result.stderr).not.toContain(drillAccounts.guardian.key.slice(2));
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    }
  });

  it('incidents list and show read the record, as a table and as JSON', async () => {
    const env = { REDIS_URL: chain.redis.url };
    // Five processes at once on a loaded 2-core machine: give each more than the default 30 s.
    const [table, json, show, showJson, unknown] = await Promise.all([
      runCli(['incidents', 'list', '--config', drillConfigPath], env, 100_000),
      runCli(['incidents', 'list', '--config', drillConfigPath, '--json'], env, 100_000),
      runCli(['incidents', 'show', incident.id, '--config', drillConfigPath], env, 100_000),
      runCli(['incidents', 'show', incident.id, '--redis', chain.redis.url, '--key-prefix', keyPrefix, '--json'], {}, 100_000),
      runCli(['incidents', 'show', 'inc_does_not_exist', '--config', drillConfigPath], env, 100_000),
    ]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+STATUS\s+SEVERITY\s+PROTOCOL\s+CHAIN\s+ANOMALIES\s+OPENED$/m);
    expect(table.stdout).toMatch(new RegExp(`^${incident.id}\\s+contained\\s+critical\\s+demo\\s+31337\\s+1\\s+\\d{4}-`, 'm'));

    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { id: string }[]).map((entry) => entry.id)).toEqual([incident.id]);

    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`incident  ${incident.id}`);
    expect(show.stdout).toMatch(/^status\s+contained$/m);
    expect(show.stdout).toMatch(/^\s+\S+Z\s+\+[\d.]+s\s+tx-broadcast\s+.*txHash=0x[0-9a-f]{64}/m);

    expect(showJson.code, showJson.stderr).toBe(0);
    const parsed = JSON.parse(showJson.stdout) as Incident;
    expect(parsed.id).toBe(incident.id);
    expect(parsed.timeline.map((entry) => entry.type)).toEqual(incident.timeline.map((entry) => entry.type));
    expect(parsed.timeline.map((entry) => entry.type)).toContain('tx-broadcast');

    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toBe(
      'warden: no incident inc_does_not_exist under key prefix "warden-drill": list them with `warden incidents list` (a drill\'s: add --config config/drill.yaml)\n',
    );
  }, 120_000);

  it('check --live reports a paused vault as already contained', async () => {
    const result = await runCli(['check', '-c', drillConfigPath, '--live', '--json'], chain.env);
    expect(result.code, result.stdout).toBe(0);
    expect(row(checkRows(result.stdout), 'can pause').detail).toBe('already contained: paused() returns true; warden would send nothing');
  });
});
