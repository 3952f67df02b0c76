/**
 * The drill's per-mode config is config/drill.yaml with exactly two changes — the Safe in
 * responders.safes and the route of the first pause step — validated like any file.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Address } from 'viem';
import { ConfigError } from '../config/errors.js';
import { parseConfigText } from '../config/load.js';
import { fromPackageRoot } from '../paths.js';
import { drillAccounts } from './accounts.js';
import { drillConfigForGuardian } from './guardian-config.js';
import { COSIGNER, type DrillGuardian } from './guardian-modes.js';
import type { SafeTxServiceStandIn } from './safe-tx-service.js';

const file = fromPackageRoot('config', 'drill.yaml');
const text = readFileSync(file, 'utf8');
const env = { WARDEN_GUARDIAN_KEY: drillAccounts.guardian.key, DRILL_RPC_URL: 'http://127.0.0.1:8545' };
const guardianAddress = drillAccounts.guardian.address;
const safe: Address = '0x1111111111111111111111111111111111111111';
const module: Address = '0x2222222222222222222222222222222222222222';

function guardianFor(mode: DrillGuardian['mode']): DrillGuardian {
  const owners = { eoa: [], safe: [guardianAddress], 'safe-module': [drillAccounts.deployer.address], 'safe-propose': [guardianAddress, COSIGNER.address] }[mode];
  return {
    mode,
    guardian: guardianAddress,
    pauser: mode === 'eoa' ? guardianAddress : safe,
    chainId: 31337,
    safe: mode === 'eoa' ? undefined : { address: safe, owners, threshold: owners.length, nonceAtStart: 0 },
    module: mode === 'safe-module' ? { address: module, roleName: 'PAUSER' } : undefined,
    service: mode === 'safe-propose' ? ({ url: 'http://127.0.0.1:4567/api' } as SafeTxServiceStandIn) : undefined,
  };
}

/** The config without the two parts a guardian mode may change. */
function rest(config: ReturnType<typeof parseConfigText>['config']) {
  const { safes: _safes, pauses, ...responders } = config.responders;
  return { ...config, responders: { ...responders, pauses: pauses.map(({ via: _via, ...pause }) => pause) } };
}

describe('drill config per guardian mode', () => {
  const eoa = parseConfigText({ text, file, env }).config;

  it('eoa is config/drill.yaml as it is', () => {
    expect(drillConfigForGuardian({ text, file, env, guardian: guardianFor('eoa') }).config).toEqual(eoa);
    expect(eoa.responders.pauses[0]!.via).toEqual({ mode: 'eoa' });
    expect(eoa.responders.safes).toEqual([]);
  });

  it('safe: the first pause goes through the 1-of-1 pause Safe, whose set-up the readiness checks pin', () => {
    const { config } = drillConfigForGuardian({ text, file, env, guardian: guardianFor('safe') });
    expect(config.responders.safes).toEqual([
      expect.objectContaining({ id: 'pause-safe', chain: 31337, address: safe, expect: { threshold: 1, owners: [guardianAddress] } }),
    ]);
    expect(config.responders.pauses[0]!.via).toEqual({ mode: 'safe', safe: 'pause-safe' });
    expect(rest(config)).toEqual(rest(eoa));
  });

  it('safe-module: the guardian calls the Roles module with its role; the Safe must keep the module enabled', () => {
    const { config } = drillConfigForGuardian({ text, file, env, guardian: guardianFor('safe-module') });
    expect(config.responders.safes[0]).toMatchObject({ id: 'protocol-safe', expect: { threshold: 1, owners: [drillAccounts.deployer.address], modules: [module] } });
    expect(config.responders.pauses[0]!.via).toEqual({ mode: 'safe-module', safe: 'protocol-safe', module, roleKey: 'PAUSER' });
    expect(rest(config)).toEqual(rest(eoa));
  });

  it('safe-propose: the Safe names the Transaction Service warden proposes to', () => {
    const { config } = drillConfigForGuardian({ text, file, env, guardian: guardianFor('safe-propose') });
    expect(config.responders.safes[0]).toMatchObject({
      id: 'multisig',
      transactionService: { url: 'http://127.0.0.1:4567/api' },
      expect: { threshold: 2, owners: [guardianAddress, COSIGNER.address] },
    });
    expect(config.responders.pauses[0]!.via).toEqual({ mode: 'safe-propose', safe: 'multisig' });
    expect(rest(config)).toEqual(rest(eoa));
  });

  it('a config without a pause step is refused with the path and the fix', () => {
    const bare = text.replace(/\n {2}pauses:[\s\S]*$/, '\n');
    expect(bare).not.toContain('pauses:');
    const attempt = () => drillConfigForGuardian({ text: bare, file, env, guardian: guardianFor('safe') });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/responders\.pauses: --guardian safe routes the first pause step through the drill's Safe, but the config has none/);
  });
});
