import { keccak256, toHex } from 'viem';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from './load.js';
import { anvilKey, issuesOf, loadEdited } from './test-helpers.js';

describe('loadConfig: keys are never inline, and never echoed', () => {
  const advice = 'keys are never written in the config — set responders.guardian.privateKeyEnv to the name of an environment variable holding it, or privateKeyFile to a file path';
  const cases: { name: string; load: () => unknown; issues: string[] }[] = [
    {
      name: 'a key in the guardian section',
      load: () => loadEdited((c) => (c.responders.guardian = { privateKey: anvilKey })),
      issues: [`responders.guardian.privateKey: looks like a private key; ${advice}`, 'responders.guardian: set exactly one of privateKeyEnv or privateKeyFile (keys are never written inline)'],
    },
    {
      name: 'a key without 0x in an unrelated field',
      load: () => loadEdited((c) => (c.plan.rules[0].name = anvilKey.slice(2))),
      issues: [`plan.rules[0].name: looks like a private key; ${advice}`],
    },
    {
      name: 'a key as a ${VAR:-default} fallback',
      load: () => loadEdited((c) => (c.responders.guardian = { privateKeyFile: `\${KEY_FILE:-${anvilKey}}` }), { KEY_FILE: '/run/key' }),
      issues: [`responders.guardian.privateKeyFile: the \${...:-default} fallback looks like a private key; ${advice}`],
    },
    {
      name: 'a key arriving through ${VAR}',
      load: () => loadEdited((c) => (c.plan.rules[0].name = '${GUARDIAN_KEY}'), { GUARDIAN_KEY: anvilKey }),
      issues: [`plan.rules[0].name: the value of \${GUARDIAN_KEY} looks like a private key; ${advice}`],
    },
  ];

  it.each(cases)('$name', ({ load, issues }) => {
    let message = '';
    try {
      load();
    } catch (error) {
      message = String(error);
    }
    expect(issuesOf(load)).toEqual(issues);
    expect(message).not.toContain(anvilKey.slice(2));
  });

  it('never echoes a key from a YAML syntax error', () => {
    const text = `responders:\n  guardian:\n    privateKey: ${anvilKey}\n   bad: [\n`;
    let message = '';
    try {
      parseConfigText({ text, env: {} });
    } catch (error) {
      message = String(error);
    }
    expect(message).toMatch(/YAML syntax error/);
    expect(message).not.toContain(anvilKey.slice(2));
  });

  it('allows a bytes32 as a fixed pause argument (a role id is not a key)', () => {
    const role = keccak256(toHex('PAUSER_ROLE'));
    const { config } = loadEdited((c) => {
      c.contracts[1].abi.push('function pauseRole(bytes32 role)');
      c.responders.pauses[0].function = 'function pauseRole(bytes32 role)';
      c.responders.pauses[0].args = [role];
    });
    expect(config.responders.pauses[0]!.args).toEqual([role]);
  });
});

describe('loadConfig: interpolation', () => {
  it('cannot inject YAML structure: a value is always the content of one string', () => {
    const injected = 'x\nresponders: {}\nextra: [1, 2]\n# ${OTHER}';
    const { config } = loadEdited((c) => (c.plan.rules[0].name = '${RULE_NAME}'), { RULE_NAME: injected });
    expect(config.plan.rules[0]!.name).toBe(injected);
    expect(config.responders.pauses).toHaveLength(1);
    expect(Object.keys(config)).not.toContain('extra');
  });

  it('applies defaults (also for empty variables), escapes $${ and keeps text around references', () => {
    const { config } = loadEdited(
      (c) => {
        c.plan.rules[0].name = 'cost: $${HOME} for ${WHO:-nobody} and ${EMPTY:-fallback}';
        c.redis.url = 'redis://${REDIS_HOST}:${REDIS_PORT:-6379}/0';
      },
      { REDIS_HOST: 'cache.internal', EMPTY: '' },
    );
    expect(config.plan.rules[0]!.name).toBe('cost: ${HOME} for nobody and fallback');
    expect(config.redis.url).toBe('redis://cache.internal:6379/0');
  });

  it('reads a value that is exactly one reference as a number or boolean when it looks like one', () => {
    const { config } = loadEdited(
      (c) => {
        c.chains[0].id = '${CHAIN_ID}';
        c.contracts.forEach((contract: any) => (contract.chain = '${CHAIN_ID}'));
        c.detectors[2].enabled = '${ADMIN_ENABLED:-false}';
        c.plan.rules[0].name = 'chain ${CHAIN_ID}';
      },
      { CHAIN_ID: '31337' },
    );
    expect(config.chains[0]!.id).toBe(31337);
    expect(config.detectors[2]!.enabled).toBe(false);
    expect(config.plan.rules[0]!.name).toBe('chain 31337');
  });

  it('does not interpolate keys, only values', () => {
    expect(issuesOf(() => loadEdited((c) => (c.redis['${KEY}'] = 'x'), { KEY: 'url' }))).toEqual(['redis: unknown key "${KEY}"']);
  });
});
