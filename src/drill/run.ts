/**
 * The drill: a local anvil, a demo protocol with real deposits, warden running in-process with
 * config/drill.yaml, and a multi-step drain. It proves the whole loop — detect, queue, pause,
 * record — and reports how fast containment came and how much was lost. `guardian` chooses how the
 * pause reaches the vault (guardian key, pause Safe, pause-only module, proposal to co-signers).
 */
import { fromPackageRoot } from '../paths.js';
import type { Anomaly } from '../../detectors/types.js';
import { createWarden, type Warden } from '../daemon.js';
import type { Logger } from '../log.js';
import { drillAccounts } from './accounts.js';
import { runDrainAttack } from './attack.js';
import { startCosigners, type Cosigners } from './cosigners.js';
import { drillEnv } from './drill-env.js';
import { loadDrillConfig } from './guardian-config.js';
import { deployDrillWorld, drillGuardianAddress, type DeployDrillWorldReturnType, type GuardianMode } from './guardian-modes.js';
import { startAnvil } from './processes.js';
import { ensureDrillRedis } from './redis.js';
import { buildDrillReport, clearDrillState, waitForContainment, type DrillReport } from './report.js';

export const defaultDrillConfigPath = fromPackageRoot('config', 'drill.yaml');

export interface RunDrillParameters {
  log: Logger;
  configPath?: string;
  /** Seconds between blocks on the drill's anvil; default 1. */
  blockTime?: number;
  /** Leave anvil (and a throwaway Redis) running after the drill and print their urls. */
  keep?: boolean;
  /** Environment the config is interpolated from; the drill adds the addresses it deployed. */
  env?: NodeJS.ProcessEnv;
  /** Stops the attack after this many steps even if never paused; default 8. */
  maxAttackSteps?: number;
  /** Use this running node (e.g. the compose file's anvil) instead of starting one; ws url derived unless given. */
  rpcUrl?: string;
  wsUrl?: string;
  /**
   * How the pause reaches the vault; default eoa (the guardian key holds PAUSER_ROLE). safe, safe-module
   * and safe-propose set up a Safe as a real protocol would (see guardian-modes.ts) and derive the config.
   */
  guardian?: GuardianMode;
}

export interface RunDrillResult {
  report: DrillReport;
  /** Urls of what was left running with `keep`. */
  kept?: { rpcUrl: string; redisUrl: string };
}

/** Waits until every chain's follower has processed `count` more blocks (or a few block times pass): like a daemon running for a while. */
export async function waitForFollowedBlocks(warden: Warden, count: number, blockTime: number): Promise<void> {
  const start = warden.chains().map((chain) => chain.tip?.number ?? -1);
  const deadline = Date.now() + (count + 3) * blockTime * 1000;
  while (Date.now() < deadline) {
    if (warden.chains().every((chain, index) => (chain.tip?.number ?? -1) >= start[index]! + count)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function runDrill(params: RunDrillParameters): Promise<RunDrillResult> {
  const { log } = params;
  const blockTime = params.blockTime ?? 1;
  const redis = await ensureDrillRedis({ url: params.env?.REDIS_URL, log });
  const anvil = params.rpcUrl
    ? { url: params.rpcUrl, wsUrl: params.wsUrl ?? params.rpcUrl.replace(/^http/, 'ws'), stop: async () => {} }
    : await startAnvil({ blockTime }).catch(async (error: unknown) => {
        await redis.stop();
        throw error;
      });
  const mode = params.guardian ?? 'eoa';
  let warden: ReturnType<typeof createWarden> | undefined;
  let world: DeployDrillWorldReturnType | undefined;
  let cosigners: Cosigners | undefined;
  try {
    log.info({ rpc: anvil.url, blockTime, guardian: mode }, 'drill: anvil is up; deploying the demo protocol');
    const base = params.env ?? process.env;
    world = await deployDrillWorld({ rpcUrl: anvil.url, mode, guardianAddress: drillGuardianAddress(base) });
    const { protocol, guardian } = world;
    if (guardian.safe) log.info({ guardian: mode, safe: guardian.safe.address, owners: guardian.safe.owners, module: guardian.module?.address }, 'drill: the Safe holds PAUSER_ROLE');
    const env = drillEnv({ base, rpcUrl: anvil.url, wsUrl: anvil.wsUrl, protocol, redisUrl: redis.url });
    const loaded = await loadDrillConfig({ path: params.configPath ?? defaultDrillConfigPath, env, guardian });
    await clearDrillState({ redisUrl: redis.url, keyPrefix: loaded.config.redis.keyPrefix });

    const anomalies: Anomaly[] = [];
    warden = createWarden({ loaded, log, env, onAnomalies: (batch) => anomalies.push(...batch) });
    await warden.start();
    // Like a daemon that has been running for a while: let warden follow a few blocks before the attack.
    await waitForFollowedBlocks(warden, 2, blockTime);
    if (guardian.service && guardian.safe && guardian.cosigners) {
      cosigners = startCosigners({ rpcUrl: anvil.url, service: guardian.service, safe: guardian.safe.address, cosigners: guardian.cosigners, log });
    }
    log.info({ vault: protocol.vault, deposits: protocol.totalDeposits.toString() }, 'drill: warden is watching; the attack starts');

    const startedAt = Date.now();
    const attack = await runDrainAttack({
      rpcUrl: anvil.url,
      attackerKey: drillAccounts.attacker.key,
      vault: protocol.vault,
      victims: drillAccounts.depositors.map((depositor) => depositor.address),
      maxSteps: params.maxAttackSteps ?? 8,
      onStep: (step) => log.info({ block: step.blockNumber, tx: step.txHash, status: step.status }, 'drill: attack step'),
    });
    const incident = await waitForContainment({ incidents: warden.incidents, anomalies, sinceMs: startedAt, timeoutMs: 20 * blockTime * 1000 });
    await cosigners?.stop();
    const report = await buildDrillReport({ rpcUrl: anvil.url, protocol, attack, incident, anomalies, guardian, cosignerExecutions: cosigners?.executions() });
    return { report, kept: params.keep ? { rpcUrl: anvil.url, redisUrl: redis.url } : undefined };
  } finally {
    await cosigners?.stop();
    await warden?.stop();
    await world?.close();
    if (!params.keep) {
      await anvil.stop();
      await redis.stop();
    }
  }
}
