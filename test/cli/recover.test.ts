/**
 * `warden recover` through the real binary: a vault paused by a 2-of-2 Safe (mode safe-propose), a
 * real anvil, redis-server and the Transaction Service stand-in. warden proposes the unpause for the
 * owners — after confirmation — records it, and never sends it.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, encodeDeployData, encodeFunctionData, getAddress, http, toFunctionSelector, type Address, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { makeAnomaly } from '../../responders/test/anomaly-fixture.js';
import { devKeys } from '../../responders/test/harness.js';
import { miniPausableAbi, miniPausableBytecode } from '../../responders/test/mini-pausable.js';
import { startAnvil, startRedisServer, type Anvil, type ManagedProcess } from '../../src/drill/processes.js';
import { createSafe, deploySafeSingletons, execAsOwners, sendAndConfirm } from '../../src/drill/safe-deploy.js';
import { startSafeTxServiceStandIn, type SafeTxServiceStandIn } from '../../src/drill/safe-tx-service.js';
import { createIncidentStore, type IncidentStore } from '../../src/incidents/store.js';
import { timelineEntry } from '../../src/incidents/types.js';
import { runCli, scratchDir } from './cli.js';

const guardian = privateKeyToAccount(devKeys.guardian);
const cosigner = privateKeyToAccount(devKeys.other);
const deployer = privateKeyToAccount(devKeys.deployer);
let anvil: Anvil;
let redisServer: ManagedProcess;
let redis: Redis;
let service: SafeTxServiceStandIn;
let client: PublicClient;
let store: IncidentStore;
let safe: Address;
let vault: Address;
let incidentId: string;
let configPath: string;
const scratch = scratchDir();
const env = () => ({ WARDEN_GUARDIAN_KEY: devKeys.guardian });
const paused = () => client.readContract({ address: vault, abi: miniPausableAbi, functionName: 'paused' }) as Promise<boolean>;
const setPaused = (on: boolean) =>
  execAsOwners({ client, safe, owners: [guardian, cosigner], to: vault, data: encodeFunctionData({ abi: miniPausableAbi, functionName: on ? 'pause' : 'unpause' }), pollingIntervalMs: 20 });

beforeAll(async () => {
  [anvil, redisServer] = await Promise.all([startAnvil(), startRedisServer()]);
  redis = new Redis(redisServer.url);
  client = createPublicClient({ transport: http(anvil.url), pollingInterval: 20 }) as PublicClient;
  const singletons = await deploySafeSingletons({ client, deployer, pollingIntervalMs: 20 });
  safe = await createSafe({ client, deployer, singletons, owners: [guardian.address, cosigner.address], threshold: 2, pollingIntervalMs: 20 });
  const receipt = await sendAndConfirm({ client, account: deployer, data: encodeDeployData({ abi: miniPausableAbi, bytecode: miniPausableBytecode(), args: [safe] }), label: 'deploy vault', pollingIntervalMs: 20 });
  vault = getAddress(receipt.contractAddress!);
  service = await startSafeTxServiceStandIn({ chainId: 31337, owners: [guardian.address, cosigner.address], threshold: 2 });
  configPath = scratch.write(
    'recover.yaml',
    `chains:
  - { id: 31337, name: anvil, rpc: { http: ["${anvil.url}"] } }
contracts:
  - name: vault
    chain: 31337
    address: "${vault}"
    protocol: demo
    abi: ["event Paused(address account)", "function pause()", "function unpause()", "function paused() view returns (bool)"]
detectors:
  - { id: vault-paused, kind: event, severity: high, params: { contracts: [vault], event: Paused } }
plan:
  rules: [{ match: { minSeverity: critical }, steps: [pause: vault-pause] }]
redis: { url: "${redisServer.url}", keyPrefix: recover }
responders:
  guardian: { privateKeyEnv: WARDEN_GUARDIAN_KEY }
  safes:
    - { id: multisig, chain: 31337, address: "${safe}", transactionService: { url: "${service.url}" } }
  pauses:
    - id: vault-pause
      contract: vault
      function: function pause()
      check: { function: function paused() view returns (bool), expect: true }
      via: { mode: safe-propose, safe: multisig }
`,
  );
  store = createIncidentStore({ redis, keyPrefix: 'recover' });
  const { incident } = await store.openOrJoin({ anomaly: makeAnomaly(), protocol: 'demo', contracts: ['vault'], windowSeconds: 600 });
  incidentId = incident.id;
  await store.append({ incidentId, entry: timelineEntry('safe-tx-proposed', { targetId: 'vault-pause' }) });
  await setPaused(true);
}, 60_000);
afterAll(async () => {
  redis?.disconnect();
  await service?.close();
  await Promise.all([anvil?.stop(), redisServer?.stop()]);
  scratch.cleanup();
});

describe('warden recover', () => {
  it('without a terminal or --yes shows the plan and prepares nothing', async () => {
    const result = await runCli(['recover', incidentId, '--config', configPath], env());
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`vault-pause (vault ${vault}): unpause() from ${safe}`);
    expect(result.stdout).toContain(`simulation: eth_call from ${safe} succeeds`);
    expect(result.stderr).toContain('re-run with --yes');
    expect(service.proposals()).toHaveLength(0);
  });

  it('with --yes proposes the unpause to the Safe owners, records it, and sends nothing', async () => {
    const nonceBefore = await client.getTransactionCount({ address: guardian.address });
    const result = await runCli(['recover', incidentId, '--config', configPath, '--yes', '--by', 'alice'], env());
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('proposed to the Safe Transaction Service');
    const [proposal] = service.proposals();
    expect(proposal).toMatchObject({ to: vault, data: toFunctionSelector('function unpause()'), sender: guardian.address });
    const recorded = (await store.get(incidentId))!.timeline.find((entry) => entry.type === 'recovery-prepared')!;
    expect(recorded.data).toMatchObject({ targetId: 'vault-pause', by: 'alice', safeTxHash: proposal!.safeTxHash, proposal: 'proposed', to: vault });
    expect(await paused()).toBe(true);
    expect(await client.getTransactionCount({ address: guardian.address })).toBe(nonceBefore);
  });

  it('names an unknown incident in one line', async () => {
    const result = await runCli(['recover', 'inc_nope', '--config', configPath], env());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^warden: no incident inc_nope under key prefix "recover": list them with `warden incidents list --config .*`\n$/);
  });

  it('says there is nothing to do once people unpaused', async () => {
    await setPaused(false);
    const result = await runCli(['recover', incidentId, '--config', configPath, '--yes'], env());
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('vault-pause (vault');
    expect(result.stdout).toContain('not paused; nothing to do');
  });
});
