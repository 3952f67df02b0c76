/**
 * The `warden` bin as a user meets it before anything runs: help for every command, usage errors
 * (exit 2), `check` on good and broken configs (exit 0 / 1, path-qualified messages, no stack
 * traces), and a Redis that does not answer.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { drillAccounts } from '../../src/drill/accounts.js';
import { freePort } from '../../src/drill/processes.js';
import { drillConfigPath, editedDrillConfig, runCli, scratchDir, type CliResult } from './cli.js';

const guardianEnv = { WARDEN_GUARDIAN_KEY: drillAccounts.guardian.key };
const scratch = scratchDir();
afterAll(() => scratch.cleanup());

/** A stack trace line, as Node prints them. */
const stackLine = /^\s+at .+\(?.*:\d+:\d+\)?$/m;

function expectCleanFailure(result: CliResult, code: number): void {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(code);
  expect(result.stderr).not.toMatch(stackLine);
}

describe('plan explain', () => {
  it('prints what the drill plan does for each detector and severity', async () => {
    const result = await runCli(['plan', 'explain', '--config', drillConfigPath], guardianEnv, 100_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^vault-large-withdraw \(event, severity critical\)$/m);
    expect(result.stdout).toMatch(/critical \(configured\): rules contain critical anomalies.*\n\s+1\. pause vault-pause: call function pause\(\) on vault/);
  });
});

describe('help', () => {
  const cases: [string[], RegExp[]][] = [
    [['--help'], [/Usage: warden/, /\brun\b/, /\bcheck\b/, /\bincidents\b/, /\bdrill\b/, /\bplan\b/, /\breload\b/, /\breplay\b/, /\bstats\b/]],
    [['plan', 'explain', '--help'], [/Usage: warden plan explain/, /--config <file>/, /--json/]],
    [['reload', '--help'], [/Usage: warden reload/, /--config <file>/, /--timeout <seconds>/, /SIGHUP/]],
    [['replay', '--help'], [/Usage: warden replay/, /--from/, /--to/, /--set/, /--format/]],
    [['stats', '--help'], [/Usage: warden stats/, /--config <file>/, /--json/]],
    [['run', '--help'], [/Usage: warden run/, /--config <file>/, /--pretty/, /SIGTERM/]],
    [['check', '--help'], [/Usage: warden check/, /--config <file>/, /--live/, /--json/]],
    [['incidents', '--help'], [/Usage: warden incidents/, /\blist\b/, /\bshow\b/]],
    [['incidents', 'list', '--help'], [/Usage: warden incidents list/, /--config <file>/, /--redis <url>/, /--key-prefix/, /--limit <n>/, /--status/, /--json/]],
    [['incidents', 'show', '--help'], [/Usage: warden incidents show/, /<id>/, /--redis <url>/, /--json/]],
    [['drill', '--help'], [/Usage: warden drill/, /--config <file>/, /--block-time <seconds>/, /--keep/, /--report <path>/, /--rpc-url <url>/]],
  ];

  it('exits 0 and describes every command and option', async () => {
    const results = await Promise.all(cases.map(([args]) => runCli(args)));
    results.forEach((result, index) => {
      const [args, patterns] = cases[index]!;
      expect(result.code, `warden ${args.join(' ')}: ${result.stderr}`).toBe(0);
      for (const pattern of patterns) expect(result.stdout, `warden ${args.join(' ')}`).toMatch(pattern);
    });
  });
});

describe('usage errors exit 2 with a message', () => {
  it('names an unknown command, an unknown option, a missing option and a bad number', async () => {
    const [command, option, missing, limit, status] = await Promise.all([
      runCli(['bogus']),
      runCli(['check', '--config', drillConfigPath, '--bogus'], guardianEnv),
      runCli(['check']),
      runCli(['incidents', 'list', '--limit', 'many']),
      runCli(['incidents', 'list', '--status', 'weird']),
    ]);
    expectCleanFailure(command, 2);
    expect(command.stderr).toMatch(/unknown command 'bogus'/);
    expectCleanFailure(option, 2);
    expect(option.stderr).toMatch(/unknown option '--bogus'/);
    expectCleanFailure(missing, 2);
    expect(missing.stderr).toMatch(/required option '-c, --config <file>' not specified/);
    expectCleanFailure(limit, 2);
    expect(limit.stderr).toMatch(/--limit.*positive whole number.*"many"/);
    expectCleanFailure(status, 2);
    expect(status.stderr).toMatch(/--status.*weird.*open, contained, containment-failed, resolved/);
  });
});

describe('check (offline)', () => {
  it('accepts config/drill.yaml', async () => {
    const result = await runCli(['check', '--config', drillConfigPath], guardianEnv);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/config\s+\S*drill\.yaml\s+ok\s+valid/);
    expect(result.stdout).toMatch(/guardian key\s+.*ok\s+0x70997970C51812dc3A010C7d01b50e0d17dc79C8/);
    expect(result.stdout).toMatch(/all checks passed/);
  });

  it('rejects broken configs naming the path and the file, without a stack trace', async () => {
    const schemaErrors = scratch.write(
      'schema.yaml',
      await editedDrillConfig([
        ['dropPercent: 5', 'dropAmount: "-5"'],
        ['finalityDepth: 16', 'finalityDepth: 16\n    bogusKey: 1'],
      ]),
    );
    const badWhere = scratch.write('where.yaml', await editedDrillConfig([['where: amount >= 50_000e18', 'where: amont >= 50_000e18']]));
    const missing = scratch.path('missing.yaml');
    const [schema, where, absent] = await Promise.all([
      runCli(['check', '--config', schemaErrors], guardianEnv),
      runCli(['check', '--config', badWhere], guardianEnv),
      runCli(['check', '--config', missing], guardianEnv),
    ]);
    expectCleanFailure(schema, 1);
    expect(schema.stderr).toContain(`invalid config ${schemaErrors}:`);
    expect(schema.stderr).toMatch(/detectors\[1\]\.params\.dropAmount: expected a positive amount like 1_000e18 or units\("1000", 6\), got "-5"/);
    expect(schema.stderr).toMatch(/chains\[0\]: unknown key "bogusKey"/);
    expectCleanFailure(where, 1);
    expect(where.stderr).toContain(`invalid config ${badWhere}:`);
    expect(where.stderr).toMatch(/detectors\[0\]\.params\.where: column 1: unknown name "amont"; Withdraw has: account, to, amount/);
    expectCleanFailure(absent, 1);
    expect(absent.stderr).toMatch(/missing\.yaml.*\n.*file not found/);
  });

  it('fails the guardian key row, naming the variable, when the key is not set', async () => {
    const result = await runCli(['check', '--config', drillConfigPath]);
    expectCleanFailure(result, 1);
    expect(result.stdout).toMatch(/guardian key\s+.*FAIL\s+.*WARDEN_GUARDIAN_KEY is not set/);
    expect(result.stdout).toMatch(/1 check\(s\) failed/);
  });
});

describe('drill without any Redis', () => {
  it('says what is missing and how to get Redis, in one line, before starting anything', async () => {
    const port = await freePort();
    const result = await runCli(['drill'], { REDIS_URL: `redis://127.0.0.1:${port}`, PATH: '/nonexistent' });
    expectCleanFailure(result, 1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/nothing answers at redis:\/\/127\.0\.0\.1:\d+ and redis-server is not installed \(not on PATH\)/);
    expect(result.stderr).toMatch(/docker compose up -d redis/);
  });
});

describe('incidents without Redis', () => {
  it('says in one line that Redis does not answer and how to fix it, without the password', async () => {
    const port = await freePort();
    const [list, show] = await Promise.all([
      runCli(['incidents', 'list', '--redis', `redis://:hunter2-secret@127.0.0.1:${port}`]),
      runCli(['incidents', 'show', 'inc_x'], { REDIS_URL: `redis://127.0.0.1:${port}` }),
    ]);
    for (const result of [list, show]) {
      expectCleanFailure(result, 1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(new RegExp(`Redis at redis://.*127\\.0\\.0\\.1:${port} does not answer`));
      expect(result.stderr).toMatch(/docker compose up -d redis/);
      expect(result.stderr).toMatch(/--redis/);
    }
    expect(list.stderr).not.toContain('hunter2-secret');
  });
});
