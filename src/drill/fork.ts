/**
 * A drill on a fork of a real chain: anvil forks it, warden runs with the user's own config against
 * the fork (fork-config.ts says exactly what is pointed elsewhere), an attack scenario (scenario.ts)
 * runs as impersonated calls, and the report is the drill report (report.ts).
 *
 * No key is needed and nothing touches the real chain: the guardian, Safe owners and attackers act
 * through `anvil_impersonateAccount` (responders/impersonation.ts), anvil only reads from the fork url,
 * and warden's state lives in a throwaway redis-server. The one request sent to the fork url by warden
 * itself is `eth_chainId`, to check the config watches that chain.
 *
 * @example
 * const { report } = await runForkDrill({ log, forkUrl, configPath: 'warden.yaml', scenarioPath: 'attack.yaml' });
 */
import { zeroAddress, type PublicClient } from 'viem';
import type { Anomaly } from '../../detectors/types.js';
import { broadcastImpersonated, impersonatedAccount } from '../../responders/impersonation.js';
import { innerCaller } from '../../responders/pause-route.js';
import { readSafeState } from '../../responders/safe/safe-tx.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { createWarden, type Warden } from '../daemon.js';
import type { Incident } from '../incidents/store.js';
import { registerUrlSecrets, type Logger } from '../log.js';
import { RedisUnavailableError } from '../redis.js';
import { checkForkChainId, forkConfig, ForkDrillError, planForkDrill, type ForkDrillPlan } from './fork-config.js';
import { prepareForkSafes, startForkCosigners, type ForkCosigners } from './fork-safes.js';
import { attackFromScenario, chooseValueWatch, readValue } from './fork-value.js';
import type { DrillGuardian } from './guardian-modes.js';
import { startAnvil, startRedisServer, type Anvil, type ManagedProcess } from './processes.js';
import { buildDrillReport, waitForContainment, type DrillReport } from './report.js';
import { startSafeTxServiceStandIn, type SafeTxServiceStandIn } from './safe-tx-service.js';
import { anvilRpc } from './scenario-chain.js';
import { waitForFollowedBlocks } from './run.js';
import { runScenario, type RunScenarioReturnType } from './scenario-run.js';
import { loadScenario } from './scenario.js';
import { createDrillClient } from './tx.js';

export interface RunForkDrillParameters {
  log: Logger;
  /** The chain to fork (read only). */
  forkUrl: string;
  /** Fork at this block; default the latest. */
  forkBlock?: number;
  /** The user's own config (one chain; responders.guardian.address set). */
  configPath: string;
  scenarioPath: string;
  /** Seconds between the fork's blocks; default 1. */
  blockTime?: number;
  /** Leave the fork and the throwaway Redis running afterwards. */
  keep?: boolean;
  /** Environment the config and the scenario are interpolated from; default process.env. No key is read from it. */
  env?: NodeJS.ProcessEnv;
  /** Blocks to wait for containment after the scenario's last step; default 20. */
  containmentBlocks?: number;
}

export interface RunForkDrillResult {
  report: DrillReport;
  scenario: RunScenarioReturnType;
  /** The incident the drill opened, read before the drill's Redis goes away. */
  incident?: Incident;
  /** The fork's head when it started (the real chain's block it copies). */
  forkedAtBlock: number;
  /** Whose balance "value" is (or undefined when nothing names it: value at risk and lost are then 0). */
  valueSource?: string;
  /** Urls of what was left running with `keep`. */
  kept?: { rpcUrl: string; redisUrl: string };
}

export async function runForkDrill(params: RunForkDrillParameters): Promise<RunForkDrillResult> {
  const { log } = params;
  const env = params.env ?? process.env;
  const blockTime = params.blockTime ?? 1;
  // The fork url may carry an API key: never in logs or errors.
  registerUrlSecrets(params.forkUrl);
  const loaded = await loadConfig({ path: params.configPath, env });
  const plan = planForkDrill(loaded);
  const scenario = await loadScenario({ path: params.scenarioPath, env });
  await checkForkChainId({ forkUrl: params.forkUrl, chain: plan.chain });

  const anvil = await startFork({ forkUrl: params.forkUrl, forkBlock: params.forkBlock, chainId: plan.chain.id, blockTime });
  let redis: ManagedProcess | undefined;
  let service: SafeTxServiceStandIn | undefined;
  let warden: Warden | undefined;
  let cosigners: ForkCosigners | undefined;
  try {
    redis = await startThrowawayRedis();
    const client = createDrillClient({ rpcUrl: anvil.url });
    const forkedAtBlock = Number(await client.getBlockNumber());
    log.info({ chain: plan.chain.name, block: forkedAtBlock, fork: anvil.url, redis: redis.url }, 'fork drill: the chain is forked; acting as the guardian without its key');
    await anvilRpc(client)('anvil_impersonateAccount', [plan.guardian]);
    const safes = await prepareForkSafes({ client, chainId: plan.chain.id, guardian: plan.guardian, targets: plan.targets, log });
    if (loaded.config.responders.safes.some((safe) => safe.transactionService)) service = await startSafeTxServiceStandIn({ chainId: plan.chain.id });
    const forked = forkConfig({ loaded, fork: anvil, redisUrl: redis.url, blockTime, transactionServiceUrl: service?.url });
    const watch = await chooseValueWatch({ client, loaded, scenario, chainId: plan.chain.id });
    const valueAtStart = watch ? await readValue({ client, watch }) : 0n;
    const guardian = await describeGuardian({ client, plan, loaded: forked });

    const anomalies: Anomaly[] = [];
    warden = createWarden({
      loaded: forked,
      log,
      env,
      onAnomalies: (batch) => anomalies.push(...batch),
      accounts: { guardian: impersonatedAccount({ address: plan.guardian }), safeSigners: safes.safeSigners, broadcast: broadcastImpersonated },
    });
    await warden.start();
    await waitForFollowedBlocks(warden, 2, blockTime);
    if (service && safes.proposalOwners.size > 0) {
      cosigners = startForkCosigners({ client, chainId: plan.chain.id, service, proposalOwners: safes.proposalOwners, log });
    }
    log.info({ scenario: scenario.name, steps: scenario.steps.length, value: watch?.source }, 'fork drill: warden is watching the fork; the scenario starts');

    const endedAt = new Map<number, number>();
    const run = await runScenario({ client, scenario, log, onStep: (step) => void endedAt.set(step.index, Date.now()) });
    // The attack's anomalies only: the fork's first block is a real block, and what happened in it
    // (or a failed readiness check) may have raised anomalies and opened the incident the attack joins.
    // Every incident in the drill's Redis is the drill's, so it may be older than the attack.
    const firstStepBlock = Math.min(...run.steps.map((step) => step.block));
    const attackAnomalies = () => anomalies.filter((anomaly) => anomaly.blockNumber >= firstStepBlock);
    const incident = await waitForContainment({
      incidents: warden.incidents,
      // Read again at every poll: detections of the last steps may still arrive.
      get anomalies() {
        return attackAnomalies();
      },
      sinceMs: 0,
      timeoutMs: (params.containmentBlocks ?? 20) * blockTime * 1000,
    });
    const attack = await attackFromScenario({ client, watch, run, endedAt, valueAtStart });
    const report = await buildDrillReport({
      rpcUrl: anvil.url,
      protocol: { vault: plan.primary.address, token: watch?.token ?? zeroAddress, totalDeposits: valueAtStart, decimals: watch?.decimals ?? 18, symbol: watch?.symbol ?? '(no value tracked)' },
      attack,
      incident,
      anomalies: attackAnomalies(),
      guardian,
      cosignerExecutions: cosigners?.executions().map((execution) => ({ ...execution, success: true })),
    });
    return {
      report: { ...report, scenario: scenario.name },
      scenario: run,
      incident,
      forkedAtBlock,
      valueSource: watch?.source,
      kept: params.keep ? { rpcUrl: anvil.url, redisUrl: redis.url } : undefined,
    };
  } finally {
    await cosigners?.stop();
    await warden?.stop();
    if (!params.keep) await Promise.all([anvil.stop(), redis?.stop(), service?.close()]);
  }
}

async function startFork(params: { forkUrl: string; forkBlock?: number; chainId: number; blockTime: number }): Promise<Anvil> {
  try {
    return await startAnvil({ forkUrl: params.forkUrl, forkBlockNumber: params.forkBlock, chainId: params.chainId, blockTime: params.blockTime });
  } catch (error) {
    // anvil's own words (e.g. a block the node does not have); the url itself is scrubbed from output.
    const detail = (error as Error).message.split('\n').find((line) => /error/i.test(line)) ?? (error as Error).message.split('\n')[0];
    throw new ForkDrillError(`anvil could not fork the chain${params.forkBlock === undefined ? '' : ` at block ${params.forkBlock}`}: ${detail}`);
  }
}

/** Never the configured Redis: its checkpoints and pause records describe the real chain. */
async function startThrowawayRedis(): Promise<ManagedProcess> {
  try {
    return await startRedisServer();
  } catch (error) {
    const missing = (error as Error).message.includes('ENOENT');
    throw new RedisUnavailableError(
      `a fork drill keeps warden's state in a throwaway redis-server (never your configured Redis), and ${missing ? 'redis-server is not installed (not on PATH)' : `it could not be started (${(error as Error).message.split('\n')[0]})`}. ` +
        'Install redis-server (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis).',
    );
  }
}

/** How the report's pause reaches its target, from the config and the fork's Safe. */
async function describeGuardian(params: { client: PublicClient; plan: ForkDrillPlan; loaded: LoadedConfig }): Promise<DrillGuardian> {
  const { client, plan } = params;
  const route = plan.primary.route;
  const base = { mode: route.mode, guardian: plan.guardian, pauser: innerCaller(plan.primary, plan.guardian), chainId: plan.chain.id };
  if (route.mode === 'eoa') return base;
  const state = await readSafeState({ client, safe: route.safe });
  const safe = { address: route.safe, owners: state.owners, threshold: state.threshold, nonceAtStart: Number(state.nonce) };
  if (route.mode !== 'safe-module') return { ...base, safe };
  const via = params.loaded.config.responders.pauses.find((pause) => pause.id === plan.primary.id)?.via;
  return { ...base, safe, module: { address: route.module, roleName: via?.mode === 'safe-module' ? via.roleKey : route.roleKey } };
}
