/**
 * `warden drill --fork-url` as a user runs it: the real bin as a child process, the guardian key
 * variable of the config not set, the report as JSON on stdout; and its usage and input errors.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir, type CliResult } from '../../test/cli/cli.js';
import { fromPackageRoot } from '../paths.js';
import { drillAccounts } from './accounts.js';
import { startForkWorld, writeUserConfig, type ForkWorld } from './fork-world.js';

const scenario = fromPackageRoot('config', 'scenarios', 'demo-drain.yaml');
const keyEnv = 'FORK_CLI_GUARDIAN_KEY_NOT_SET';

describe('warden drill --fork-url (the bin)', () => {
  let world: ForkWorld;
  let result: CliResult;
  const dir = scratchDir();

  beforeAll(async () => {
    world = await startForkWorld();
    const config = writeUserConfig(world, { keyEnv });
    result = await runCli(
      ['drill', '--fork-url', world.chain.url, '--config', config, '--scenario', scenario, '--json', '--report', dir.path('report.json')],
      { DRILL_VAULT_ADDRESS: world.vault, [keyEnv]: undefined },
      120_000,
    );
  }, 150_000);
  afterAll(async () => {
    await world?.stop();
    dir.cleanup();
  });

  it('exits 0 and prints the drill report alone as JSON on stdout (logs on stderr), the same as --report', () => {
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report).toEqual(JSON.parse(readFileSync(dir.path('report.json'), 'utf8')));
    expect(report).toMatchObject({
      scenario: 'demo vault drained through withdrawTo, then its admin role taken',
      contained: true,
      blocksToContainment: 1,
      valueAtRisk: (1_000_000n * 10n ** 18n).toString(),
      valueLost: (200_000n * 10n ** 18n).toString(),
      lostFraction: 0.2,
      valueTracked: "vault's token (detector vault-drain)",
    });
    expect(report.pauseBlock).toBe((report.exploitBlock as number) + 1);
    expect(report.exploitBlock as number).toBeGreaterThan(report.forkedAtBlock as number);
    expect(String(report.incidentId)).toMatch(/^inc_/);
    expect((report.incident as { id: string; status: string }).id).toBe(report.incidentId);
    expect((report.incident as { status: string }).status).toBe('contained');
    expect(result.stderr).toMatch(/"msg":"fork drill: the chain is forked/);
  });

  it('left the real chain as it was', async () => {
    const { createDrillClient } = await import('./tx.js');
    const { demoVaultAbi } = await import('./abis.js');
    const client = createDrillClient({ rpcUrl: world.chain.url });
    expect(await client.readContract({ address: world.vault, abi: demoVaultAbi, functionName: 'paused' })).toBe(false);
    expect(await client.readContract({ address: world.vault, abi: demoVaultAbi, functionName: 'totalDeposits' })).toBe(1_000_000n * 10n ** 18n);
  });
});

describe('warden drill --fork-url: usage and input errors', () => {
  const dir = scratchDir();
  afterAll(() => dir.cleanup());
  // Errors found before anything is forked: the url is never asked.
  const fakeWorld = {
    chain: { url: 'http://127.0.0.1:9', wsUrl: 'ws://127.0.0.1:9' },
    token: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    vault: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
    guardian: drillAccounts.guardian.address,
  } as unknown as ForkWorld;

  it.each([
    [['--fork-url', 'http://127.0.0.1:9', '--config', 'x.yaml'], /--fork-url needs --scenario FILE/],
    [['--scenario', scenario], /--scenario, --fork-block and --json are for fork drills: add --fork-url URL/],
    [['--fork-url', 'http://127.0.0.1:9', '--scenario', scenario], /--fork-url needs --config FILE/],
    [['--fork-url', 'http://127.0.0.1:9', '--scenario', scenario, '--config', 'x.yaml', '--guardian', 'safe'], /a fork drill pauses the way your config says/],
    [['--fork-url', 'http://127.0.0.1:9', '--scenario', scenario, '--config', 'x.yaml', '--fork-block', 'latest'], /expected a block number, got "latest"/],
  ])('warden drill %j is a usage error', async (args, message) => {
    const result = await runCli(['drill', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('a config without the guardian address says where to add it, in one line', async () => {
    const config = dir.write('no-address.yaml', readFileSync(writeUserConfig(fakeWorld, { keyEnv }), 'utf8').replace(`, address: "${fakeWorld.guardian}"`, ''));
    const result = await runCli(['drill', '--fork-url', 'http://127.0.0.1:9', '--config', config, '--scenario', scenario]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^warden: responders\.guardian\.address is not set in .*no-address\.yaml: .*add address: "0x…" next to privateKeyEnv\)$/);
  });

  it('a broken scenario is reported with its paths, without a stack', async () => {
    const config = writeUserConfig(fakeWorld, { keyEnv });
    const broken = dir.write('attack.yaml', 'name: x\nsteps:\n  - wiat: 2\n');
    const result = await runCli(['drill', '--fork-url', 'http://127.0.0.1:9', '--config', config, '--scenario', broken]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/invalid scenario .*attack\.yaml/);
    expect(result.stderr).toMatch(/steps\[0\]: expected a step: .*did you mean "wait"/);
    expect(result.stderr).not.toMatch(/unexpected|\n\s+at /);
  });
});
