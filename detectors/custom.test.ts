/**
 * Custom detectors: modules named in a config file (paths relative to it), loaded by loadConfig,
 * built by createDetectors, run through warden's real block processor on anvil — the shipped
 * template on a vault's withdrawals. And the config errors: missing file, no detector exported, a
 * module that throws, params its schema rejects, a module that was not loaded.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Address } from 'viem';
import type { ResolvedContract } from '../src/config/contracts.js';
import { ConfigError } from '../src/config/errors.js';
import { loadConfig } from '../src/config/load.js';
import { blockRunner, startWorld, type World } from './fixtures/world.js';
import { createDetectors } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
const configDir = mkdtempSync(join(tmpdir(), 'warden-custom-'));
/** A module path as a config in `configDir` writes it: relative to the config file. */
const fromConfig = (file: string) => relative(configDir, join(here, file));
const e18 = 10n ** 18n;

let world: World;
let token: ResolvedContract;
let vault: ResolvedContract;

beforeAll(async () => {
  world = await startWorld();
  token = await world.deploy('FixtureToken');
  vault = await world.deploy('FixtureVault', [token.address]);
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

/** Writes a config whose detectors are `detectorsYaml`, over the fixture vault, and loads it. */
async function load(detectorsYaml: string) {
  const file = join(configDir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    file,
    `chains:
  - { id: 31337, name: anvil, rpc: { http: ["${world.anvil.url}"] } }
contracts:
  - name: token
    chain: 31337
    address: "${token.address}"
    abi:
      - event Transfer(address indexed from, address indexed to, uint256 value)
      - function balanceOf(address account) view returns (uint256)
  - name: vault
    chain: 31337
    address: "${vault.address}"
    abi:
      - event Deposit(address indexed account, uint256 assets, uint256 shares)
      - event Withdraw(address indexed account, uint256 assets, uint256 shares)
      - function totalSupply() view returns (uint256)
detectors:
${detectorsYaml}
redis: { url: "redis://127.0.0.1:1" }
plan:
  rules: [{ match: { minSeverity: low }, steps: [record] }]
responders: {}
`,
  );
  return loadConfig({ path: file, env: {} });
}

function issuesOf(error: unknown): string[] {
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.message}`);
}

describe('custom detectors', () => {
  it('the template, loaded from a path relative to the config, raises on a burst of withdrawals and stays quiet on normal traffic', async () => {
    const loaded = await load(`  - id: burst
    kind: custom
    severity: high
    module: ${fromConfig('custom-template.ts')}
    contracts: [vault]
    params: { maxEvents: 3, windowBlocks: 5 }
  - id: deposits
    kind: custom
    severity: info
    module: ${fromConfig('fixtures/custom/named-export.ts')}
    contracts: [vault]
  - { id: backing, kind: invariant, severity: high, params: { expression: token.balanceOf(vault) >= vault.totalSupply() } }
  - { id: outflow, kind: outflow-rate, severity: high, params: { token: token, contracts: [vault], windowBlocks: 20, maxOutflowPercent: 50 } }`);
    const detectors = createDetectors({ config: loaded.config, contracts: loaded.contracts, customModules: loaded.customDetectors });
    expect(detectors.map((d) => [d.id, d.kind, d.chainId, d.watchedAddresses])).toEqual([
      ['burst', 'custom', 31337, [vault.address]],
      ['deposits', 'custom', 31337, [vault.address]],
      // Built-in kinds beside them, in the same processor: every read of all four still goes into one eth_call.
      ['backing', 'invariant', 31337, []],
      ['outflow', 'outflow-rate', 31337, [token.address]],
    ]);
    const runner = blockRunner(world, detectors, [...loaded.contracts.values()]);

    const users = world.accounts.slice(1, 6) as Address[];
    for (const user of users) {
      await world.send(user, token, 'mint', [user, 100n * e18]);
      await world.send(user, token, 'approve', [vault.address, 2n ** 255n]);
      await world.send(user, vault, 'deposit', [100n * e18]);
    }
    // Normal traffic: withdrawals far apart.
    await world.send(users[0]!, vault, 'withdraw', [10n * e18]);
    await world.client.request({ method: 'anvil_mine', params: ['0x6'] } as never);
    await world.send(users[1]!, vault, 'withdraw', [10n * e18]);
    const normal = await runner.catchUp();
    expect(normal.map((a) => a.detectorId)).toEqual(['deposits', 'deposits', 'deposits', 'deposits', 'deposits']);

    // The burst: four withdrawals in four blocks; the fourth crosses maxEvents 3 within 5 blocks.
    const withdrawals = [];
    for (const user of users.slice(1, 5)) withdrawals.push(await world.send(user, vault, 'withdraw', [50n * e18]));
    const burst = (await runner.catchUp()).filter((a) => a.detectorId === 'burst');
    expect(burst).toHaveLength(1);
    expect(burst[0]!.txHashes).toEqual([withdrawals[2]]);
    expect(burst[0]!.summary).toBe('4 Withdraw events within 5 blocks (max 3)');
    // Its read (totalSupply) arrived through the block's one multicall, with the invariant's and outflow-rate's.
    expect(burst[0]!.evidence).toMatchObject({ count: 4, reads: { 'vault.totalSupply()': expect.any(String) } });
    expect(runner.ethCallsPerBlock.every((calls) => calls === 1)).toBe(true);
  }, 120_000);

  it('a missing file, a module without a detector, and a module that throws fail loadConfig, each at its path', async () => {
    const error = await load(`  - { id: a, kind: custom, severity: low, module: ./nope.ts, contracts: [vault] }
  - { id: b, kind: custom, severity: low, module: ${fromConfig('fixtures/custom/no-detector.ts')}, contracts: [vault] }
  - { id: c, kind: custom, severity: low, module: ${fromConfig('fixtures/custom/throws-on-import.ts')}, contracts: [vault] }
  - { id: d, kind: custom, severity: low, enabled: false, module: ./also-missing-but-disabled.ts, contracts: [vault] }`).catch((e: unknown) => e);
    expect(issuesOf(error)).toEqual([
      `detectors[0].module: module file not found: ${join(configDir, 'nope.ts')} (paths are relative to the config file's directory, ${configDir})`,
      `detectors[1].module: ${fromConfig('fixtures/custom/no-detector.ts')} does not export a detector: write \`export default defineDetector({ ... })\` (defineDetector is in detectors/define.ts); it exports helper, threshold`,
      `detectors[2].module: cannot load ${fromConfig('fixtures/custom/throws-on-import.ts')}: missing ORACLE_URL`,
    ]);
    expect((error as ConfigError).file).toMatch(/config-.*\.yaml$/);
  });

  it("params the module's schema rejects, unknown contracts, and a module that was not loaded fail createDetectors at their paths", async () => {
    const loaded = await load(`  - id: bad-params
    kind: custom
    severity: low
    module: ${fromConfig('custom-template.ts')}
    contracts: [vault]
    params: { maxEvents: -1, windowBlock: 5 }
  - { id: bad-contract, kind: custom, severity: low, module: ${fromConfig('custom-template.ts')}, contracts: [vualt], params: { maxEvents: 1 } }`).catch((e: unknown) => e);
    // The unknown contract is already caught by the loader's cross-checks.
    expect(issuesOf(loaded)).toEqual([expect.stringMatching(/^detectors\[1\]\.contracts\[0\]: no contract named "vualt"/)]);

    const good = await load(`  - id: bad-params
    kind: custom
    severity: low
    module: ${fromConfig('custom-template.ts')}
    contracts: [vault]
    params: { maxEvents: -1, windowBlock: 5 }`);
    let caught: unknown;
    try {
      createDetectors({ config: good.config, contracts: good.contracts, customModules: good.customDetectors });
    } catch (error) {
      caught = error;
    }
    const template = fromConfig('custom-template.ts');
    expect(issuesOf(caught)).toEqual([
      `detectors[0].params.maxEvents: Too small: expected number to be >0 (checked by ${template})`,
      `detectors[0].params: Unrecognized key: "windowBlock" (checked by ${template})`,
    ]);
    expect(() => createDetectors({ config: good.config, contracts: good.contracts })).toThrow(
      `detectors[0].module: module ${template} was not loaded: load the config with loadConfig`,
    );
  });
});
