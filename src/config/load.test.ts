import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfigText } from './load.js';
import { drillPath, drillText, exampleEnv, examplePath, issuesOf, loadEdited } from './test-helpers.js';

describe('loadConfig: the shipped configs', () => {
  it('loads config/drill.yaml with its defaults', async () => {
    const { config, contracts, file } = await loadConfig({ path: drillPath, env: {} });
    expect(file).toBe(drillPath);
    expect(config.chains[0]).toMatchObject({ id: 31337, name: 'anvil', blockTime: 1, finalityDepth: 16 });
    expect(config.chains[0]!.rpc).toEqual({ http: ['http://127.0.0.1:8545'], ws: ['ws://127.0.0.1:8545'] });
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', keyPrefix: 'warden-drill' });
    expect(config.plan.incidentWindow).toBe(600);
    expect(config.detectors.map((detector) => [detector.id, detector.kind, detector.severity])).toEqual([
      ['vault-large-withdraw', 'event', 'critical'],
      ['vault-drain', 'balance-drop', 'critical'],
      ['vault-admin', 'admin-change', 'high'],
    ]);
    expect(config.responders.guardian).toMatchObject({ privateKeyEnv: 'WARDEN_GUARDIAN_KEY', feeMultiplier: 3 });
    expect(contracts.get('vault')).toMatchObject({ chainId: 31337, address: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512', protocol: 'demo' });
    expect(contracts.get('token')?.abi.map((item) => ('name' in item ? item.name : item.type))).toEqual(['Transfer', 'balanceOf', 'decimals', 'symbol']);
  });

  it('loads config/drill.yaml with the addresses and urls the drill passes', async () => {
    const { config, contracts } = await loadConfig({
      path: drillPath,
      env: { DRILL_RPC_URL: 'http://127.0.0.1:9999', DRILL_VAULT_ADDRESS: '0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0', REDIS_URL: 'redis://127.0.0.1:7777' },
    });
    expect(config.chains[0]!.rpc.http).toEqual(['http://127.0.0.1:9999']);
    expect(contracts.get('vault')?.address).toBe('0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0');
    expect(config.redis.url).toBe('redis://127.0.0.1:7777');
  });

  it('loads config/example.yaml with the variables it needs', async () => {
    const { config, contracts } = await loadConfig({ path: examplePath, env: exampleEnv });
    expect(config.chains[0]!.rpc).toEqual({ http: [exampleEnv.MAINNET_RPC_URL, exampleEnv.MAINNET_RPC_FALLBACK_URL], ws: [exampleEnv.MAINNET_WS_URL] });
    expect(new Set(config.detectors.map((detector) => detector.kind))).toEqual(new Set(['event', 'balance-drop', 'admin-change']));
    const drain = config.detectors.find((detector) => detector.kind === 'balance-drop');
    expect(drain?.kind === 'balance-drop' && drain.params.dropAmount).toBe(2_500_000_000_000n);
    expect(config.responders.guardian).toMatchObject({ privateKeyFile: '/run/secrets/warden-guardian-key', priorityFee: 3_000_000_000n });
    expect(config.responders.webhooks[0]).toEqual({ id: 'oncall', url: exampleEnv.WARDEN_WEBHOOK_URL, timeout: 5 });
    expect(config.plan.incidentWindow).toBe(1800);
    expect([...contracts.values()].every((contract) => contract.protocol === 'lendco')).toBe(true);
  });

  it('names the file when it cannot be read', async () => {
    const path = join(tmpdir(), 'warden-no-such-config.yaml');
    await expect(loadConfig({ path, env: {} })).rejects.toThrow(`invalid config ${path}:\n  cannot read the config: file not found`);
  });
});

describe('loadConfig: each kind of error names its path and what would be valid', () => {
  const cases: { name: string; load: () => unknown; issues: (string | RegExp)[] }[] = [
    {
      name: 'YAML syntax error (line and column, no source echoed)',
      load: () => parseConfigText({ text: 'chains:\n  - id: 1\n   name: anvil\n', file: 'bad.yaml', env: {} }),
      issues: ['line 3, column 1: YAML syntax error: Sequence item without - indicator'],
    },
    {
      name: 'empty file',
      load: () => parseConfigText({ text: '# nothing yet\n', env: {} }),
      issues: ['the config is empty; start from config/example.yaml'],
    },
    {
      name: 'missing environment variable',
      load: () => loadEdited((c) => (c.chains[0].rpc.http = ['${DRILL_RPC_URL}'])),
      issues: ['chains[0].rpc.http[0]: environment variable DRILL_RPC_URL is not set (use ${DRILL_RPC_URL:-default} for a fallback)'],
    },
    {
      name: 'malformed variable reference',
      load: () => loadEdited((c) => (c.redis.url = 'redis://${REDIS HOST}:6379')),
      issues: ['redis.url: "${REDIS HOST}" is not a valid variable reference; write ${NAME} or ${NAME:-default} (or $${ for a literal "${")'],
    },
    {
      name: 'a bad value from the environment is named by its variable, not shown',
      load: () => loadEdited((c) => (c.chains[0].rpc.http = ['${DRILL_RPC_URL}']), { DRILL_RPC_URL: 'ftp://rpc.example/v2/s3cr3t' }),
      issues: ['chains[0].rpc.http[0]: expected an http:// or https:// URL, got the value of ${DRILL_RPC_URL} (not shown)'],
    },
    {
      name: 'wrong type',
      load: () => loadEdited((c) => (c.chains[0].id = 'anvil')),
      issues: ['chains[0].id: expected a number, got "anvil"'],
    },
    {
      name: 'not a whole number',
      load: () => loadEdited((c) => (c.chains[0].finalityDepth = 1.5)),
      issues: ['chains[0].finalityDepth: expected a whole number, got 1.5'],
    },
    {
      name: 'wrong type for a section',
      load: () => loadEdited((c) => (c.plan = ['record'])),
      issues: ['plan: expected a mapping, got ["record"]'],
    },
    {
      name: 'unknown key with a suggestion',
      load: () => loadEdited((c) => ((c.chains[0].blocktime = 2), delete c.chains[0].blockTime)),
      issues: ['chains[0]: unknown key "blocktime"; did you mean "blockTime"?'],
    },
    {
      name: 'unknown key inside a detector kind suggests from that kind only',
      load: () => loadEdited((c) => ((c.detectors[1].params.dropPercnt = 5), delete c.detectors[1].params.dropPercent)),
      issues: ['detectors[1].params: unknown key "dropPercnt"; did you mean "dropPercent"?', 'detectors[1].params: set dropPercent, dropAmount, or both'],
    },
    {
      name: 'unknown key without a close match',
      load: () => loadEdited((c) => (c.telemetry = { on: true })),
      issues: ['unknown key "telemetry" at the top level (sections: redis, http, log, chains, contracts, detectors, plan, responders, readiness)'],
    },
    {
      name: 'missing required key',
      load: () => loadEdited((c) => delete c.chains[0].name),
      issues: ['chains[0].name: required'],
    },
    {
      name: 'invalid enum value',
      load: () => loadEdited((c) => (c.detectors[2].severity = 'hgih')),
      issues: ['detectors[2].severity: expected one of "info", "low", "medium", "high", "critical", got "hgih"; did you mean "high"?'],
    },
    {
      name: 'unknown detector kind',
      load: () => loadEdited((c) => (c.detectors[0].kind = 'events')),
      issues: ['detectors[0].kind: expected one of "event", "balance-drop", "admin-change", "call", "invariant", "outflow-rate", "oracle-deviation", "custom", got "events"; did you mean "event"?'],
    },
    {
      name: 'bad amount',
      load: () => loadEdited((c) => (c.detectors[1].params.dropAmount = '-5')),
      issues: ['detectors[1].params.dropAmount: expected a positive amount like 1_000e18 or units("1000", 6), got "-5"'],
    },
    {
      name: 'amount with more decimals than base units',
      load: () => loadEdited((c) => (c.detectors[1].params.dropAmount = 'units("1.5", 0)')),
      issues: ['detectors[1].params.dropAmount: expected a positive amount like 1_000e18 or units("1000", 6), got "units(\\"1.5\\", 0)"'],
    },
    {
      name: 'bad duration',
      load: () => loadEdited((c) => (c.plan.incidentWindow = '10 minutes')),
      issues: ['plan.incidentWindow: expected a duration like 30s, 10m or 2h, or a number of seconds, got "10 minutes"'],
    },
    {
      name: 'negative duration',
      load: () => loadEdited((c) => (c.chains[0].blockTime = -1)),
      issues: ['chains[0].blockTime: expected a duration like 30s, 10m or 2h, or a number of seconds, got -1'],
    },
    {
      name: 'bad address',
      load: () => loadEdited((c) => (c.contracts[1].address = '0x1234')),
      issues: ['contracts[1].address: expected a 0x-prefixed 20-byte hex address, got "0x1234"'],
    },
    {
      name: 'bad url',
      load: () => loadEdited((c) => (c.chains[0].rpc.ws = ['http://127.0.0.1:8545'])),
      issues: ['chains[0].rpc.ws[0]: expected a ws:// or wss:// URL, got "http://127.0.0.1:8545"'],
    },
    {
      name: 'bad plan step',
      load: () => loadEdited((c) => (c.plan.rules[0].steps[1] = 'recrod')),
      issues: ['plan.rules[0].steps[1]: expected "record", {pause: <pause id>}, {notify: <channel or webhook id>} or {page: <role id>}, got "recrod"'],
    },
    {
      name: 'plan step of the right shape with a wrong value',
      load: () => loadEdited((c) => (c.plan.rules[0].steps[0] = { pause: 7 })),
      issues: ['plan.rules[0].steps[0].pause: expected a string, got 7'],
    },
    {
      name: 'duplicate ids',
      load: () =>
        loadEdited((c) => {
          c.detectors[2].id = 'vault-drain';
          c.responders.pauses.push({ ...c.responders.pauses[0] });
        }),
      issues: [
        'detectors[2].id: duplicate detector id "vault-drain" (also at detectors[1].id)',
        'responders.pauses[1].id: duplicate pause id "vault-pause" (also at responders.pauses[0].id)',
      ],
    },
    {
      name: 'duplicate chain id and contract name',
      load: () =>
        loadEdited((c) => {
          c.chains.push({ ...c.chains[0], name: 'anvil2' });
          c.contracts.push({ ...c.contracts[1] });
        }),
      issues: [
        'chains[1].id: duplicate chain id 31337 (also at chains[0].id)',
        'contracts[2].name: duplicate contract name "vault" (also at contracts[1].name)',
        'contracts[2].address: duplicate contract address 0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512 on chain 31337 (also at contracts[1].address)',
      ],
    },
    {
      name: 'dangling references, all reported together',
      load: () =>
        loadEdited((c) => {
          c.contracts[0].chain = 1;
          c.detectors[0].params.contracts = ['valut'];
          c.plan.rules[0].steps[0] = { pause: 'vault-paus' };
          c.plan.rules[1].match.detectors = ['vault-admin', 'nope'];
          c.plan.rules[1].steps.push({ notify: 'oncall' });
          c.responders.pauses[0].contract = 'treasury';
        }),
      issues: [
        'contracts[0].chain: no chain with id 1 in chains (configured: 31337)',
        'detectors[0].params.contracts[0]: no contract named "valut"; did you mean "vault"? (configured: token, vault)',
        'detectors[1].params.token: token "token" is on chain 1 but contract "vault" is on chain 31337',
        'plan.rules[0].steps[0].pause: no pause named "vault-paus"; did you mean "vault-pause"? (configured: vault-pause)',
        'plan.rules[1].match.detectors[1]: no detector named "nope" (configured: vault-large-withdraw, vault-drain, vault-admin)',
        'plan.rules[1].steps[1].notify: no channel or webhook named "oncall" (none configured in responders.channels or responders.webhooks)',
        'responders.pauses[0].contract: no contract named "treasury" (configured: token, vault)',
      ],
    },
    {
      name: 'unparseable function signatures',
      load: () =>
        loadEdited((c) => {
          c.responders.pauses[0].function = 'function pause(';
          c.responders.pauses[0].check.function = 'event Paused(address account)';
        }),
      issues: [
        /^responders\.pauses\[0\]\.function: not a valid function signature \(.+\); expected e\.g\. "function pause\(\)", got "function pause\("$/,
        'responders.pauses[0].check.function: expected a function signature like "function pause()", got a event',
      ],
    },
    {
      name: 'pause arguments that do not match the signature',
      load: () => loadEdited((c) => (c.responders.pauses[0].args = [1])),
      issues: ['responders.pauses[0].args: pause takes 0 arguments, got 1'],
    },
    {
      name: 'missing guardian when a step pauses',
      load: () => loadEdited((c) => delete c.responders.guardian),
      issues: ['responders.guardian: required because plan.rules[0].steps[0] pauses; set privateKeyEnv or privateKeyFile'],
    },
    {
      name: 'guardian with both key sources',
      load: () => loadEdited((c) => (c.responders.guardian.privateKeyFile = '/run/key')),
      issues: ['responders.guardian: set exactly one of privateKeyEnv or privateKeyFile (keys are never written inline)'],
    },
  ];

  it.each(cases)('$name', ({ load, issues }) => {
    const found = issuesOf(load);
    expect(found).toHaveLength(issues.length);
    issues.forEach((expected, index) => {
      if (typeof expected === 'string') expect(found[index]).toBe(expected);
      else expect(found[index]).toMatch(expected);
    });
  });

  it('puts the file name at the head of the message', () => {
    expect(() => loadEdited((c) => delete c.chains[0].name)).toThrow('invalid config drill.yaml:\n  chains[0].name: required');
  });
});

describe('loadConfig: YAML as people write it', () => {
  it('keeps unquoted addresses as text and large unquoted amounts exact', () => {
    const text = drillText
      .replace('"${DRILL_VAULT_ADDRESS:-0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512}"', '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512')
      .replace('      dropPercent: 5\n', '      dropAmount: 1000000000000000000000001\n');
    const { config, contracts } = parseConfigText({ text, env: {} });
    expect(contracts.get('vault')?.address).toBe('0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512');
    const drain = config.detectors[1]!;
    expect(drain.kind === 'balance-drop' && drain.params.dropAmount).toBe(1_000_000_000_000_000_000_000_001n);
  });

  it('loads from a file path and reports that path', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'warden-config-'));
    const path = join(directory, 'warden.yaml');
    await writeFile(path, drillText.replace('blockTime: 1', 'blockTime: soon'));
    await expect(loadConfig({ path, env: {} })).rejects.toThrow(`invalid config ${path}:\n  chains[0].blockTime: expected a duration`);
  });
});
