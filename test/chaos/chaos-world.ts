/**
 * What the chaos run stands on: anvil (automine off after the demo protocol is deployed), a
 * redis-server persisting to a directory (appendonly, so a restart keeps its data, as in a real
 * deployment), the seeded fault proxy in front of anvil, and one config file per replica —
 * config/drill.yaml pointed at the proxy, with the run's block time, debug logs (the report reads the
 * 'block processed' lines) and the replica's own spool directory.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Address, PublicClient } from 'viem';
import { parseConfigText } from '../../src/config/load.js';
import { deployDrillProtocol, drillEnv } from '../../src/drill/drill-env.js';
import { startAnvil, startRedisServer, type Anvil, type ManagedProcess } from '../../src/drill/processes.js';
import { defaultDrillConfigPath } from '../../src/drill/run.js';
import { createIncidentStore, type IncidentStore } from '../../src/incidents/store.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { rpc } from '../chain/evm.js';

export const keyPrefix = 'warden-drill'; // config/drill.yaml

export interface ChaosWorld {
  anvil: Anvil;
  client: PublicClient;
  proxy: FaultProxy;
  vault: Address;
  redisUrl: string;
  /** Stops Redis (SIGTERM: it flushes its append-only file), waits `downMs`, starts it again on the same port and data. */
  restartRedis(downMs: number): Promise<void>;
  redisUp(): boolean;
  /** The incident store, on a connection that survives the Redis restart. */
  incidents(): IncidentStore;
  /** The shared checkpoint's block number (undefined: none, or Redis unreachable). */
  checkpoint(): Promise<number | undefined>;
  /** Config file and environment of one replica. */
  replicaSetup(name: string): Promise<{ configPath: string; env: NodeJS.ProcessEnv }>;
  stop(): Promise<void>;
}

export async function startChaosWorld(params: { dir: string; seed: number; blockTime: number; rpcErrorRate: number }): Promise<ChaosWorld> {
  mkdirSync(join(params.dir, 'redis'), { recursive: true });
  const [anvil, firstRedis] = await Promise.all([startAnvil(), startRedisServer({ dir: join(params.dir, 'redis') })]);
  let redis: ManagedProcess | undefined = firstRedis;
  const client = rpc(anvil.url);
  const protocol = await deployDrillProtocol({ rpcUrl: anvil.url });
  await client.request({ method: 'evm_setAutomine', params: [false] } as never);
  const proxy = await startFaultProxy({ target: anvil.url, seed: params.seed, faults: { rpcErrorRate: params.rpcErrorRate } });
  const connection = new Redis(firstRedis.url, { maxRetriesPerRequest: 1 });
  connection.on('error', () => {}); // down during the restart: callers retry
  const incidents = createIncidentStore({ redis: connection, keyPrefix });
  const template = await readFile(defaultDrillConfigPath, 'utf8');

  return {
    anvil,
    client,
    proxy,
    vault: protocol.vault,
    redisUrl: firstRedis.url,
    async restartRedis(downMs) {
      await redis?.stop();
      redis = undefined;
      await new Promise((resolve) => setTimeout(resolve, downMs));
      redis = await startRedisServer({ port: firstRedis.port, dir: join(params.dir, 'redis') });
    },
    redisUp: () => redis !== undefined,
    incidents: () => incidents,
    async checkpoint() {
      const text = await connection.get(`${keyPrefix}:chain:31337:checkpoint`).catch(() => null);
      return text ? (JSON.parse(text) as { number: number }).number : undefined;
    },
    async replicaSetup(name) {
      const spoolDir = join(params.dir, `spool-${name}`);
      mkdirSync(spoolDir, { recursive: true });
      const text = edit(template, [
        [/blockTime: 1 #.*\n/, `blockTime: ${params.blockTime}\n    rpcTimeout: 2\n`],
        [/(\n  keyPrefix: warden-drill\n)/, `$1  spoolDir: ${JSON.stringify(spoolDir)}\n`],
      ]) + '\nlog:\n  level: debug # the chaos report reads the "block processed" lines\n';
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        WARDEN_FROM_SOURCE: '1',
        NO_COLOR: '1',
        ...drillEnv({ rpcUrl: proxy.url, wsUrl: proxy.wsUrl, protocol, redisUrl: firstRedis.url }),
      };
      delete env.LOG_LEVEL;
      const configPath = join(params.dir, `${name}.yaml`);
      parseConfigText({ text, file: configPath, env }); // a config the daemon would reject fails here, not in a replica
      writeFileSync(configPath, text);
      return { configPath, env };
    },
    async stop() {
      connection.disconnect();
      await proxy.stop();
      await Promise.all([anvil.stop(), redis?.stop()]);
    },
  };
}

function edit(text: string, edits: [RegExp, string][]): string {
  for (const [from, to] of edits) {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`config/drill.yaml changed: the chaos edit ${String(from)} did not apply`);
    text = next;
  }
  return text;
}
