/**
 * An end-to-end world for tests: a real anvil, a real redis-server, the demo protocol deployed,
 * and warden running in-process on config/drill.yaml with every log line captured.
 */
import { PassThrough } from 'node:stream';
import { createPublicClient, http, type Address, type PublicClient } from 'viem';
import { demoVaultAbi } from '../../src/drill/abis.js';
import { drillAccounts } from '../../src/drill/accounts.js';
import { runDrainAttack, type DrainAttackResult } from '../../src/drill/attack.js';
import { deployDrillProtocol, drillEnv } from '../../src/drill/drill-env.js';
import { startAnvil, startRedisServer, type Anvil, type ManagedProcess } from '../../src/drill/processes.js';
import { defaultDrillConfigPath } from '../../src/drill/run.js';
import { loadConfig, type LoadedConfig } from '../../src/config/load.js';
import { createWarden, type Warden } from '../../src/daemon.js';
import { createLogger } from '../../src/log.js';
import type { Anomaly } from '../../detectors/types.js';

export interface World {
  anvil: Anvil;
  redis: ManagedProcess;
  client: PublicClient;
  vault: Address;
  token: Address;
  loaded: LoadedConfig;
  warden: Warden;
  anomalies: Anomaly[];
  logs(): string;
  paused(): Promise<boolean>;
  guardianNonce(): Promise<number>;
  stop(): Promise<void>;
}

export async function startWorld(
  params: {
    blockTime?: number;
    guardianHasRole?: boolean;
    /** A config instead of config/drill.yaml (it still gets the drill's variables: addresses, urls). */
    configPath?: string;
    /** More environment for the config and the channels' secrets. */
    env?: Record<string, string>;
    /** Redis persists in this directory (so a test can restart it with its data). */
    redisDir?: string;
    /** The daemon's `redis.spoolDir` (default: the config's, else ~/.warden/spool). */
    spoolDir?: string;
    /** Changes the loaded config before warden starts (e.g. a small finalityDepth). */
    edit?(config: LoadedConfig['config']): void;
  } = {},
): Promise<World> {
  const anvil = await startAnvil({ blockTime: params.blockTime });
  const redis = await startRedisServer({ dir: params.redisDir });
  const client = createPublicClient({ transport: http(anvil.url), pollingInterval: 50 });
  // Without the role, PAUSER_ROLE goes to the attacker's address instead of warden's guardian.
  const protocol = await deployDrillProtocol({
    rpcUrl: anvil.url,
    guardianAddress: params.guardianHasRole === false ? drillAccounts.attacker.address : undefined,
  });
  const env = drillEnv({ base: { ...process.env, ...params.env }, rpcUrl: anvil.url, wsUrl: anvil.wsUrl, protocol, redisUrl: redis.url });
  const loaded = await loadConfig({ path: params.configPath ?? defaultDrillConfigPath, env });
  if (params.spoolDir) loaded.config.redis.spoolDir = params.spoolDir;
  params.edit?.(loaded.config);
  let captured = '';
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => (captured += chunk.toString()));
  const anomalies: Anomaly[] = [];
  const warden = createWarden({ loaded, env, log: createLogger({ level: 'debug', pretty: false, destination: sink }), onAnomalies: (batch) => anomalies.push(...batch) });
  await warden.start();
  return {
    anvil,
    redis,
    client,
    vault: protocol.vault,
    token: protocol.token,
    loaded,
    warden,
    anomalies,
    logs: () => captured,
    paused: () => client.readContract({ address: protocol.vault, abi: demoVaultAbi, functionName: 'paused' }),
    guardianNonce: () => client.getTransactionCount({ address: drillAccounts.guardian.address }),
    async stop() {
      await warden.stop();
      await anvil.stop();
      await redis.stop();
    },
  };
}

export { eventually } from '../harness/eventually.js';

/** The drill's drain of the world's vault by the drill attacker, `maxSteps` slices (default 4). */
export function drainWorld(world: Pick<World, 'anvil' | 'vault'>, maxSteps = 4): Promise<DrainAttackResult> {
  return runDrainAttack({
    rpcUrl: world.anvil.url,
    attackerKey: drillAccounts.attacker.key,
    vault: world.vault,
    victims: drillAccounts.depositors.map((depositor) => depositor.address),
    maxSteps,
  });
}
