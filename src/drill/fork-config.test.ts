import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuardianKeyError } from '../../responders/guardian-key.js';
import { parseConfigText, type LoadedConfig } from '../config/load.js';
import { createWarden } from '../daemon.js';
import { drillAccounts } from './accounts.js';
import { checkForkChainId, forkConfig, ForkDrillError, planForkDrill } from './fork-config.js';
import { startAnvil, type Anvil } from './processes.js';

const vault = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512';
const guardian = drillAccounts.guardian.address;

function config(options: { chains?: string; guardian?: string; pauses?: string; safes?: string } = {}): LoadedConfig {
  const text = `chains:
${options.chains ?? '  - { id: 1, name: mainnet, rpc: { http: ["https://rpc.example/KEY123"], ws: ["wss://rpc.example/KEY123"] }, blockTime: 12 }'}
contracts:
  - { name: vault, chain: 1, address: "${vault}", protocol: demo, abi: ["function pause()", "function paused() view returns (bool)", "function isStopped() view returns (bool)"] }
detectors:
  - { id: vault-admin, kind: admin-change, severity: high, params: { contracts: [vault] } }
redis: { url: "redis://:secret@prod-redis:6379", keyPrefix: prod }
http: { listen: "0.0.0.0:9464" }
plan: { rules: [{ name: contain, match: { minSeverity: critical }, steps: [{ pause: vault-pause }] }] }
responders:
  guardian: ${options.guardian ?? `{ privateKeyEnv: GUARDIAN_KEY, address: "${guardian}", feeMultiplier: 4 }`}
${options.safes ?? ''}
  pauses:
${options.pauses ?? '    - { id: vault-pause, contract: vault, function: "function pause()", check: { function: "function paused() view returns (bool)", expect: true } }'}
`;
  return parseConfigText({ text, file: 'warden.yaml', env: {} });
}

describe('planForkDrill', () => {
  it('names the guardian address, the pauses and the chain to fork', () => {
    const plan = planForkDrill(config());
    expect(plan).toMatchObject({ guardian, chain: { id: 1, name: 'mainnet' }, primary: { id: 'vault-pause', address: vault } });
  });

  it('refuses a config without the guardian address, saying where to add it', () => {
    expect(() => planForkDrill(config({ guardian: '{ privateKeyEnv: GUARDIAN_KEY }' }))).toThrow(
      /responders\.guardian\.address is not set in warden\.yaml: .*add address: "0x…" next to privateKeyEnv/,
    );
  });

  it('refuses several chains: warden would follow the others for real', () => {
    const chains = `  - { id: 1, name: mainnet, rpc: { http: ["https://a.example"] } }
  - { id: 10, name: optimism, rpc: { http: ["https://b.example"] } }`;
    expect(() => planForkDrill(config({ chains }))).toThrow(ForkDrillError);
    expect(() => planForkDrill(config({ chains }))).toThrow(/lists 2 \(mainnet, optimism\)/);
  });

  it('refuses a pause checked by something else than paused() (the report reads paused())', () => {
    const pauses = '    - { id: vault-pause, contract: vault, function: "function pause()", check: { function: "function isStopped() view returns (bool)", expect: true } }';
    expect(() => planForkDrill(config({ pauses }))).toThrow(/checked with isStopped\(\)/);
  });
});

describe('forkConfig', () => {
  it('points the chain, Redis, health port and Transaction Service elsewhere and keeps everything else as written', () => {
    const safes = `  safes:
    - { id: multisig, chain: 1, address: "${vault}", transactionService: { url: "https://api.safe.global/tx-service/eth/api", apiKeyEnv: SAFE_API_KEY, timeout: 7 } }`;
    const loaded = config({ safes });
    const forked = forkConfig({ loaded, fork: { url: 'http://127.0.0.1:1111', wsUrl: 'ws://127.0.0.1:1111' }, redisUrl: 'redis://127.0.0.1:2222', blockTime: 1, transactionServiceUrl: 'http://127.0.0.1:3333/api' });
    const [chain] = loaded.config.chains;
    const [safe] = loaded.config.responders.safes;
    expect(forked.config).toEqual({
      ...loaded.config,
      chains: [{ ...chain, blockTime: 1, rpc: { http: ['http://127.0.0.1:1111'], ws: ['ws://127.0.0.1:1111'] } }],
      redis: { url: 'redis://127.0.0.1:2222', keyPrefix: 'prod' },
      http: { ...loaded.config.http, listen: '127.0.0.1:0' },
      // No API key variable: the stand-in needs none, and the real service must not be named.
      responders: { ...loaded.config.responders, safes: [{ ...safe, transactionService: { url: 'http://127.0.0.1:3333/api', timeout: 7 } }] },
    });
    expect(forked.contracts).toBe(loaded.contracts);
    // The loaded config itself is left as it was.
    expect(loaded.config.redis.url).toBe('redis://:secret@prod-redis:6379');
  });
});

describe('checkForkChainId', () => {
  let anvil: Anvil;
  beforeAll(async () => {
    anvil = await startAnvil({ chainId: 5 });
  }, 30_000);
  afterAll(async () => {
    await anvil?.stop();
  });

  it('accepts the chain the config watches and refuses another, naming both ids', async () => {
    await expect(checkForkChainId({ forkUrl: anvil.url, chain: { ...config().config.chains[0]!, id: 5 } })).resolves.toBeUndefined();
    await expect(checkForkChainId({ forkUrl: anvil.url, chain: config().config.chains[0]! })).rejects.toThrow(/is chain 5, but the config's chain mainnet is 1/);
  });

  it('says the url did not answer', async () => {
    await expect(checkForkChainId({ forkUrl: 'http://127.0.0.1:1', chain: config().config.chains[0]! })).rejects.toThrow(/did not answer eth_chainId/);
  });
});

describe('createWarden and responders.guardian.address', () => {
  const log = pino({ level: 'silent' }, new Writable({ write: (_chunk, _encoding, done) => done() }));

  it('refuses a key that does not belong to the configured address', () => {
    const loaded = config({ guardian: `{ privateKeyEnv: GUARDIAN_KEY, address: "${drillAccounts.attacker.address}" }` });
    expect(() => createWarden({ loaded, log, env: { GUARDIAN_KEY: drillAccounts.guardian.key } })).toThrow(GuardianKeyError);
    expect(() => createWarden({ loaded, log, env: { GUARDIAN_KEY: drillAccounts.guardian.key } })).toThrow(
      `responders.guardian.address is ${drillAccounts.attacker.address} but the guardian key in environment variable GUARDIAN_KEY belongs to ${guardian}`,
    );
  });

  it('accepts the matching key, and with accounts given reads no key at all', async () => {
    const matching = createWarden({ loaded: config(), log, env: { GUARDIAN_KEY: drillAccounts.guardian.key } });
    expect(matching.guardianAddress).toBe(guardian);
    await matching.stop();
    const { impersonatedAccount } = await import('../../responders/impersonation.js');
    const injected = createWarden({ loaded: config(), log, env: {}, accounts: { guardian: impersonatedAccount({ address: guardian }) } });
    expect(injected.guardianAddress).toBe(guardian);
    await injected.stop();
  });
});
