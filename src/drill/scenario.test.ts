import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeFunctionData, keccak256, toHex, type AbiParameter } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoVaultAbi } from './abis.js';
import { drillAccounts, FRESH_ANVIL_TOKEN_ADDRESS, FRESH_ANVIL_VAULT_ADDRESS } from './accounts.js';
import { loadScenario, parseScenarioText, ScenarioError } from './scenario.js';
import { toAbiValue } from './scenario-args.js';

const demoFile = fileURLToPath(new URL('../../config/scenarios/demo-drain.yaml', import.meta.url));
const env = { DRILL_VAULT_ADDRESS: FRESH_ANVIL_VAULT_ADDRESS, DRILL_TOKEN_ADDRESS: FRESH_ANVIL_TOKEN_ADDRESS };
const attacker = drillAccounts.attacker.address;
const vault = FRESH_ANVIL_VAULT_ADDRESS;

describe('loadScenario', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warden-scenario-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const write = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };
  const issuesOf = async (promise: Promise<unknown>) => {
    const error = await promise.then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as ScenarioError).issues.map((issue) => `${issue.path}: ${issue.message}`);
  };

  it('loads the shipped demo scenario, interpolating the drill environment', async () => {
    const scenario = await loadScenario({ path: demoFile, env });
    expect(scenario.steps.map((step) => step.kind)).toEqual(['calls', 'calls', 'wait', 'admin-takeover']);
    const [first] = scenario.steps;
    if (first?.kind !== 'calls') throw new Error('first step is not a block of calls');
    expect(first.calls).toHaveLength(2);
    expect(first.calls[0]).toMatchObject({ from: attacker, to: vault, value: 0n });
    expect(decodeFunctionData({ abi: demoVaultAbi, data: first.calls[1]!.data })).toEqual({
      functionName: 'withdrawTo',
      args: [drillAccounts.depositors[1]!.address, attacker, 100_000n * 10n ** 18n],
    });
    expect(scenario.steps[3]).toMatchObject({ kind: 'admin-takeover', action: 'grantRole', call: { from: drillAccounts.deployer.address, to: vault } });
  });

  it('reports every problem with its path, in file order', async () => {
    const path = await write(
      'bad.yaml',
      `name: bad
steps:
  - block:
      - from: "${attacker}"
        to: "${vault}"
        function: "function withdrawTo(address account, address to, uint256 amount)"
        args: ["${attacker}", "0xnot-an-address", "-5"]
      - from: "${attacker}"
        to: "${vault}"
        function: "withdrawTo(address"
  - kind: drian
  - kind: drain
    token: "${FRESH_ANVIL_TOKEN_ADDRESS}"
    holder: "${vault}"
  - kind: admin-takeover
    target: "${vault}"
    from: "${attacker}"
    action: grantRole
    account: "${attacker}"
  - wait: 0
  - blok: []
`,
    );
    expect(await issuesOf(loadScenario({ path, env: {} }))).toEqual([
      'steps[0].block[0].args[1]: to: expected a 0x-prefixed 20-byte address, got "0xnot-an-address"',
      'steps[0].block[0].args[2]: amount: expected a uint256 amount like 1_000e18 or units("1000", 6), got "-5"',
      'steps[0].block[1].function: expected a function signature like "function withdrawTo(address to, uint256 amount)", got "withdrawTo(address"',
      'steps[1].kind: expected one of "block", "wait", "drain", "admin-takeover", got "drian"; did you mean "drain"?',
      'steps[2].to: required',
      'steps[3].role: required for action grantRole',
      'steps[4].wait: expected a number of blocks > 0, got 0',
      'steps[5]: expected a step: block: [calls], wait: <blocks>, or kind: drain | admin-takeover (did you mean "block"?)',
    ]);
  });

  it('names a missing variable once, and wrong argument counts and unknown keys', async () => {
    const path = await write(
      'env.yaml',
      `name: env
steps:
  - block:
      - from: "\${ATTACKER}"
        to: "${vault}"
        function: "function pause()"
        args: [1]
        gass: 100000
`,
    );
    const issues = await issuesOf(loadScenario({ path, env: {} }));
    expect(issues).toEqual([
      'steps[0].block[0]: unknown key "gass"; did you mean "gas"?',
      'steps[0].block[0].from: environment variable ATTACKER is not set (use ${ATTACKER:-default} for a fallback)',
    ]);
    const fixed = await write('env2.yaml', `name: env\nsteps:\n  - block:\n      - { from: "${attacker}", to: "${vault}", function: "function pause()", args: [1] }\n`);
    expect(await issuesOf(loadScenario({ path: fixed, env: {} }))).toEqual(['steps[0].block[0].args: pause takes 0 argument(s), got 1']);
  });

  it('says when the file is missing, empty or not YAML, naming the file', async () => {
    const missing = join(dir, 'nope.yaml');
    const error = await loadScenario({ path: missing }).then(() => undefined, (caught: unknown) => caught as ScenarioError);
    expect(error?.message).toBe(`invalid scenario ${missing}:\n  cannot read the scenario: file not found`);
    expect(await issuesOf(loadScenario({ path: await write('empty.yaml', '') }))).toEqual([': the scenario is empty; start from config/scenarios/demo-drain.yaml']);
    const [syntax] = await issuesOf(loadScenario({ path: await write('broken.yaml', 'name: [x\nsteps: 1\n') }));
    expect(syntax).toMatch(/^: line \d+, column \d+: YAML syntax error/);
  });

  it('accepts a scenario with data calls, value, gas and every takeover action', () => {
    const scenario = parseScenarioText({
      env: {},
      text: `name: ok
steps:
  - block:
      - { from: "${attacker}", to: "${vault}", data: "0x8456cb59", value: "1e18", gas: 90000 }
  - { kind: admin-takeover, target: "${vault}", from: "${attacker}", action: transferOwnership, newOwner: "${attacker}" }
  - { kind: admin-takeover, target: "${vault}", from: "${attacker}", action: upgradeToAndCall, implementation: "${vault}" }
  - { kind: drain, token: "${FRESH_ANVIL_TOKEN_ADDRESS}", holder: "${vault}", to: "${attacker}", amount: "5e18" }
`,
    });
    expect(scenario.steps[0]).toEqual({ kind: 'calls', calls: [{ from: attacker, to: vault, data: '0x8456cb59', value: 10n ** 18n, gas: 90_000n, label: 'calldata 0x8456cb59…' }] });
    expect(scenario.steps[1]).toMatchObject({ kind: 'admin-takeover', call: { label: `transferOwnership(${attacker})` } });
    expect(scenario.steps[2]).toMatchObject({ kind: 'admin-takeover', call: { label: `upgradeToAndCall(${vault}, 0x)` } });
    expect(scenario.steps[3]).toMatchObject({ kind: 'drain', amount: 5n * 10n ** 18n });
  });
});

describe('toAbiValue', () => {
  const param = (type: string, extra: object = {}) => ({ type, name: 'x', ...extra }) as AbiParameter;
  it('reads role names, signed integers, arrays and tuples', () => {
    expect(toAbiValue(param('bytes32'), 'PAUSER_ROLE')).toBe(keccak256(toHex('PAUSER_ROLE')));
    expect(toAbiValue(param('bytes32'), 'DEFAULT_ADMIN_ROLE')).toBe(`0x${'0'.repeat(64)}`);
    expect(toAbiValue(param('int256'), '-1_000e3')).toBe(-1_000_000n);
    expect(toAbiValue(param('uint8[]'), [1, '2'])).toEqual([1n, 2n]);
    const tuple = param('tuple', { components: [{ type: 'address', name: 'to' }, { type: 'uint256', name: 'amount' }] });
    expect(toAbiValue(tuple, { to: attacker.toLowerCase(), amount: 'units("1.5", 6)' })).toEqual({ to: attacker, amount: 1_500_000n });
  });
  it('rejects out-of-range and ill-typed values, locating nested ones', () => {
    expect(() => toAbiValue(param('uint8'), 256)).toThrow('out of range for uint8');
    expect(() => toAbiValue(param('bool'), 'yes')).toThrow('expected true or false');
    expect(() => toAbiValue(param('address[]'), [attacker, 'x'])).toThrow(expect.objectContaining({ path: [1] }));
  });
});
