/**
 * Shared setup of the responder tests: a real anvil, a real redis-server, a MiniPausable per test, and
 * (setupPause) a guardian pauser of that MiniPausable with an incident to record into.
 */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createPublicClient, createWalletClient, http, type Address, type Hex, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import type { ResolvedContract } from '../../src/config/contracts.js';
import type { ChainConfig, GuardianConfig, PauseTargetConfig, SafeConfig } from '../../src/config/schema.js';
import { startAnvil, startRedisServer, type Anvil, type ManagedProcess } from '../../src/drill/processes.js';
import { createIncidentStore, type IncidentStore } from '../../src/incidents/store.js';
import { createGuardianPauser, type GuardianPauser, type PauseParameters } from '../pause-guardian.js';
import { resolvePauseTargets, type ResolvedPauseTarget } from '../pause-targets.js';
import type { TimelineEntry } from '../../src/incidents/types.js';
import { makeAnomaly } from './anomaly-fixture.js';
import { miniPausableAbi, miniPausableBytecode } from './mini-pausable.js';

/** anvil's well-known dev keys (public; never use them anywhere real). */
export const devKeys = {
  deployer: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  guardian: '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  other: '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
} as const satisfies Record<string, Hex>;

export interface Harness {
  anvil: Anvil;
  redisServer: ManagedProcess;
  redis: Redis;
  client: PublicClient;
  chain: ChainConfig;
  /** Everything every logger of the test wrote (checked for secrets). */
  logText(): string;
  log: pino.Logger;
  rpc(method: string, params?: unknown[]): Promise<unknown>;
  deployPausable(pauser: Address): Promise<Address>;
  targetsFor(address: Address, overrides?: Partial<PauseTargetConfig>, safes?: SafeConfig[]): ResolvedPauseTarget[];
  nonceOf(address: Address): Promise<number>;
  /** The `paused()` view of a pausable contract. */
  paused(address: Address): Promise<boolean>;
  incidents(keyPrefix: string): IncidentStore;
  stop(): Promise<void>;
}

export function guardianConfig(overrides: Partial<GuardianConfig> = {}): GuardianConfig {
  return { privateKeyEnv: 'WARDEN_GUARDIAN_KEY', feeMultiplier: 3, replaceAfterBlocks: 1, minPauses: 5, ...overrides } as GuardianConfig;
}

export async function startHarness(): Promise<Harness> {
  const [anvil, redisServer] = await Promise.all([startAnvil(), startRedisServer()]);
  const redis = new Redis(redisServer.url);
  const client = createPublicClient({ chain: foundry, transport: http(anvil.url) }) as PublicClient;
  const deployer = createWalletClient({ chain: foundry, transport: http(anvil.url), account: privateKeyToAccount(devKeys.deployer) });
  let logs = '';
  const sink = new Writable({ write(chunk, _encoding, done) { logs += chunk.toString(); done(); } });
  const chain: ChainConfig = { id: 31337, name: 'anvil', rpc: { http: [anvil.url], ws: [] }, blockTime: 1, finalityDepth: 64, maxCatchUpBlocks: 1000, rpcTimeout: 10 };
  return {
    anvil,
    redisServer,
    redis,
    client,
    chain,
    log: pino({ level: 'trace' }, sink),
    logText: () => logs,
    rpc: (method, params = []) => client.request({ method: method as never, params: params as never }),
    async deployPausable(pauser) {
      const hash = await deployer.deployContract({ abi: miniPausableAbi, bytecode: miniPausableBytecode(), args: [pauser] });
      const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
      return receipt.contractAddress!;
    },
    targetsFor(address, overrides = {}, safes = []) {
      const contracts = new Map<string, ResolvedContract>([
        ['vault', { name: 'vault', chainId: 31337, address, abi: miniPausableAbi, protocol: 'demo' }],
      ]);
      const pause: PauseTargetConfig = {
        id: 'pause-vault',
        contract: 'vault',
        function: 'function pause()',
        args: [],
        check: { function: 'function paused() view returns (bool)', args: [], expect: true },
        gasLimit: 200_000,
        via: { mode: 'eoa' },
        ...overrides,
      };
      return resolvePauseTargets({ responders: { pauses: [pause], safes } }, contracts);
    },
    nonceOf: (address) => client.getTransactionCount({ address, blockTag: 'pending' }),
    paused: (address) => client.readContract({ address, abi: miniPausableAbi, functionName: 'paused' }) as Promise<boolean>,
    incidents: (keyPrefix) => createIncidentStore({ redis, keyPrefix }),
    async stop() {
      redis.disconnect();
      await Promise.all([anvil.stop(), redisServer.stop()]);
    },
  };
}

export function waitUntil(predicate: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = async () => {
      try {
        if (await predicate()) return resolve();
      } catch (error) {
        return reject(error);
      }
      if (Date.now() - started > timeoutMs) return reject(new Error('waitUntil timed out'));
      setTimeout(tick, 10);
    };
    void tick();
  });
}

export const guardianAccount = privateKeyToAccount(devKeys.guardian);

export interface PauseSetup {
  vault: Address;
  incidents: IncidentStore;
  incidentId: string;
  keyPrefix: string;
  /** A guardian pauser of `vault` (polling receipts every 25 ms); `client`: its RPC client (default the harness's). */
  pauser(options?: { redis?: Redis; guardian?: Partial<GuardianConfig>; client?: PublicClient }): GuardianPauser;
  record: PauseParameters['record'];
  timeline(): Promise<TimelineEntry[]>;
  types(): Promise<string[]>;
}

let pausePrefixes = 0;

/** A MiniPausable (paused by `pauser`, default the guardian) and an open incident, under a fresh key prefix. */
export async function setupPause(h: Harness, options: { pauser?: Address } = {}): Promise<PauseSetup> {
  const keyPrefix = `p${++pausePrefixes}`;
  const vault = await h.deployPausable(options.pauser ?? guardianAccount.address);
  const incidents = h.incidents(keyPrefix);
  const { incident } = await incidents.openOrJoin({ anomaly: makeAnomaly(), protocol: 'demo', contracts: ['vault'], windowSeconds: 600 });
  const record: PauseParameters['record'] = (entry, o) => incidents.append({ incidentId: incident.id, entry, onceKey: o?.onceKey });
  const timeline = async () => (await incidents.get(incident.id))!.timeline;
  return {
    vault,
    incidents,
    incidentId: incident.id,
    keyPrefix,
    record,
    pauser: ({ redis = h.redis, guardian: overrides, client = h.client } = {}) =>
      createGuardianPauser({
        chain: h.chain,
        publicClient: client,
        account: guardianAccount,
        guardian: guardianConfig(overrides),
        targets: h.targetsFor(vault),
        redis,
        keyPrefix,
        log: h.log,
        pollIntervalMs: 25,
      }),
    timeline,
    types: async () => (await timeline()).map((entry) => entry.type),
  };
}
