/**
 * `warden import oz-monitor` as a user runs it: the config to a file (or stdout), the report for
 * people, --report as JSON, and `warden check` accepting what it wrote; usage errors and a wrong
 * folder exit with a clean message.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot, runCli, scratchDir, type CliResult } from './cli.js';

const fixtures = join(repoRoot, 'test', 'fixtures', 'oz-monitor');
const scratch = scratchDir();
afterAll(() => scratch.cleanup());

const stackLine = /^\s+at .+\(?.*:\d+:\d+\)?$/m;

function expectExit(result: CliResult, code: number): void {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(code);
  expect(result.stderr).not.toMatch(stackLine);
}

describe('warden import oz-monitor', () => {
  it('writes the config and a JSON report, prints the report, and `warden check` accepts the config', async () => {
    const out = scratch.path('warden.yaml');
    const reportPath = scratch.path('report.json');
    const result = await runCli(['import', 'oz-monitor', fixtures, '--out', out, '--report', reportPath]);
    expectExit(result, 0);
    expect(result.stdout).toMatch(/converted\s+2 chains, 3 contracts, 6 event detectors, 2 webhooks, 4 plan rules/);
    expect(result.stdout).toMatch(/Not converted \(\d+\):/);
    expect(result.stdout).toContain(`wrote ${out}`);
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as { environment: { name: string; usedAt: string }[] };
    const env = Object.fromEntries(report.environment.map((v) => [v.name, v.usedAt.includes('.ws[') ? 'wss://node.test' : 'https://hooks.test/x']));

    const check = await runCli(['check', '--config', out], env);
    expectExit(check, 0);
    expect(check.stdout).toContain('all checks passed');
    const unset = await runCli(['check', '--config', out]);
    expectExit(unset, 1);
    expect(unset.stderr).toContain('environment variable VAULT_ONCALL_WEBHOOK_URL is not set');
  });

  it('prints only the config on stdout without --out, the report on stderr', async () => {
    const result = await runCli(['import', 'oz-monitor', fixtures]);
    expectExit(result, 0);
    const config = parse(result.stdout) as { detectors: { id: string }[] };
    expect(config.detectors).toHaveLength(6);
    expect(result.stderr).toContain('OpenZeppelin Monitor import');
    expect(result.stdout).not.toContain('OpenZeppelin Monitor import\n');
  });

  it('keeps an existing --out unless --force', async () => {
    const out = scratch.write('existing.yaml', 'keep me\n');
    const refused = await runCli(['import', 'oz-monitor', fixtures, '--out', out]);
    expectExit(refused, 1);
    expect(refused.stderr).toContain(`${out} exists; choose another --out file or add --force`);
    expect(readFileSync(out, 'utf8')).toBe('keep me\n');
    expectExit(await runCli(['import', 'oz-monitor', fixtures, '--out', out, '--force']), 0);
    expect(readFileSync(out, 'utf8')).toContain('kind: event');
  });

  it('says what is wrong with a folder that is not an OZ Monitor config folder, and with usage', async () => {
    const [missing, notConfig, noArgument, help] = await Promise.all([
      runCli(['import', 'oz-monitor', scratch.path('nope')]),
      runCli(['import', 'oz-monitor', join(repoRoot, 'docs')]),
      runCli(['import', 'oz-monitor']),
      runCli(['import', '--help']),
    ]);
    expectExit(missing, 1);
    expect(missing.stderr).toMatch(/nope is not a folder; pass the OpenZeppelin Monitor config folder/);
    expectExit(notConfig, 1);
    expect(notConfig.stderr).toContain('has no networks/, monitors/ or triggers/ folder');
    expectExit(noArgument, 2);
    expect(noArgument.stderr).toMatch(/missing required argument 'dir'/);
    expectExit(help, 0);
    expect(help.stdout).toMatch(/oz-monitor/);
    expect(existsSync(scratch.path('nope'))).toBe(false);
  });
});
