/**
 * Wires the data path of DESIGN.md for every configured chain:
 *
 *   follower ──block──▶ block processor ──anomalies──▶ queue ──▶ worker ──▶ plan runner ──▶ responders
 *
 * One process runs both halves (follow + respond); several replicas may share a Redis.
 */
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { getAddress, type Address, type LocalAccount } from 'viem';
import { createDetectors } from '../detectors/index.js';
import type { Anomaly, Detector } from '../detectors/types.js';
import { loadGuardianAccount } from '../responders/guardian-key.js';
import { ChannelSecretError, createChannels, loadChannelSecrets, type NotificationChannel } from '../responders/notify/index.js';
import { createSafeServices } from '../responders/safe/services.js';
import { loadSafeSigners } from '../responders/safe/signers.js';
import { resolvePauseTargets, type GuardianPauser, type PauseBroadcast } from '../responders/pause-guardian.js';
import { createBlockProcessor } from './chain/block-processor.js';
import { createCheckpointStore } from './chain/checkpoint.js';
import type { ChainClients } from './chain/clients.js';
import { createChainParts } from './chain-parts.js';
import { createChainHandlers } from './chain-handlers.js';
import { createChainFollower } from './chain/follower.js';
import { ConfigError } from './config/errors.js';
import type { LoadedConfig } from './config/load.js';
import type { ResolvedContract } from './config/contracts.js';
import type { ChainConfig } from './config/schema.js';
import { listenForReloads, type ReloadListener, type ReloadOutcome } from './reload/control.js';
import { createFileReloader } from './reload/from-file.js';
import { prepareReload } from './reload/prepare.js';
import { closeWithin } from './shutdown.js';
import type { ChainHealth, HealthServer } from './http/health.js';
import { chainHealth, startDaemonHealth } from './http/daemon-health.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { warmUpIncidentStore } from './incidents/warm-up.js';
import { createIncidentStore, type IncidentStore } from './incidents/store.js';
import { registerSecret, registerUrlSecrets, type Logger } from './log.js';
import { createActOnHead } from './plan/act-on-head.js';
import { createAfterReorg } from './plan/after-reorg.js';
import { createPlanRunner, type PlanRunner } from './plan/runner.js';
import { createPlanTimers, createPlanTimerWorker, type PlanTimers, type PlanTimerWorker } from './plan/timers.js';
import { createAnomalyQueue, createAnomalyWorker, type AnomalyQueue } from './queue/anomaly-queue.js';
import { redisUnavailable } from './redis.js';
import { createOutageHandling } from './outage/handling.js';
import { describeError } from './errors.js';

export interface CreateWardenParameters {
  loaded: LoadedConfig;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** Called with each batch of anomalies after it is on the queue (drills and tests watch this). */
  onAnomalies?(anomalies: Anomaly[]): void;
  /**
   * Accounts to act with instead of loading keys from the config (fork drills: impersonated accounts,
   * responders/impersonation.ts). No key is loaded when given.
   */
  accounts?: {
    guardian: LocalAccount;
    /** Owner accounts per Safe id; default the guardian alone for every Safe. */
    safeSigners?: ReadonlyMap<string, LocalAccount[]>;
    /** How pause txs reach the node; default eth_sendRawTransaction. */
    broadcast?: PauseBroadcast;
  };
}

export interface Warden {
  /** Connects to Redis, starts the worker and one follower per chain. Resolves once all follow. */
  start(): Promise<void>;
  /** Stops following, finishes the response in flight, closes connections. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Re-reads the config file and swaps in its detectors, plan and contracts (see reload in daemon.ts);
   * also run by SIGHUP and `warden reload`. An invalid file is rejected, the running config kept.
   */
  reloadFromFile(): Promise<ReloadOutcome>;
  /** Where the health endpoint listens (after start), e.g. `127.0.0.1:9464`. */
  healthAddress(): string | undefined;
  /** Where each chain's follower stands (what /healthz reports). */
  chains(): ChainHealth[];
  incidents: IncidentStore;
  redis: Redis;
  guardianAddress?: Address;
  /** This daemon's Prometheus metrics (served on /metrics). */
  metrics: Metrics;
}

export function createWarden(params: CreateWardenParameters): Warden {
  const { loaded, log } = params;
  const { config, contracts } = loaded;
  const env = params.env ?? process.env;
  const keyPrefix = config.redis.keyPrefix;
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 3, lazyConnect: true });
  // While spooling the outage is logged once (src/outage/mode.ts), not at every reconnect attempt.
  redis.on('error', (error) => (outage.mode.spooling() ? log.debug : log.warn).call(log, { err: error.message }, 'redis connection error'));
  const incidents = createIncidentStore({ redis, keyPrefix });
  const metrics = createMetrics();
  // Created in start(): a queue opens connections at once, and with Redis down it would log forever.
  let queue: AnomalyQueue | undefined;
  /** While Redis is unreachable: spool, contain directly, replay when it is back (src/outage). */
  const outage = createOutageHandling({
    config,
    configFile: loaded.file,
    redis,
    incidents,
    current: () => current.loaded,
    queueAdd: () => queue && ((anomalies) => queue!.add(anomalies)),
    log,
  });

  const account = params.accounts?.guardian ?? (config.responders.guardian ? loadGuardianAccount({ guardian: config.responders.guardian, env }) : undefined);
  // The guardian key registers itself when loaded; urls may carry API keys, tokens or passwords.
  for (const hook of config.responders.webhooks) registerSecret(hook.url);
  for (const chain of config.chains) for (const url of [...chain.rpc.http, ...chain.rpc.ws]) registerUrlSecrets(url);
  registerUrlSecrets(config.redis.url);

  const safeSigners = params.accounts
    ? new Map(config.responders.safes.map((safe) => [safe.id, params.accounts!.safeSigners?.get(safe.id) ?? [params.accounts!.guardian]]))
    : loadSafeSigners({ safes: config.responders.safes, guardian: account, env });
  const safeServices = createSafeServices({ safes: config.responders.safes, env });
  // A pause through a Safe or module is emitted with the Safe as its account: warden's doing too.
  const pausingAccounts = [...(account ? [account.address] : []), ...config.responders.safes.map((safe) => getAddress(safe.address))];
  const detectors = createDetectors({ config, contracts, guardianAddresses: pausingAccounts, log, customModules: loaded.customDetectors });
  /** One chain's block processor; a reload builds new ones from the reloaded detectors and contracts. */
  const processorFor = (chain: ChainConfig, clients: ChainClients, byName: Map<string, ResolvedContract>, built: Detector[]) =>
    createBlockProcessor({
      chainId: chain.id,
      chainName: chain.name,
      client: clients.http,
      contracts: [...byName.values()].filter((contract) => contract.chainId === chain.id),
      detectors: built.filter((detector) => detector.chainId === chain.id),
      redis,
      keyPrefix,
      log,
      metrics,
      wrapState: outage.detectorState(chain.id),
    });
  const chainParts = createChainParts({
    config,
    pauseTargets: resolvePauseTargets(config, contracts),
    processorFor: (chain, clients) => processorFor(chain, clients, contracts, detectors),
    account,
    safeSigners,
    safeServices,
    broadcast: params.accounts?.broadcast,
    redis,
    incidents,
    outage,
    metrics,
    log,
  });

  const pausers = new Map<number, GuardianPauser>();
  for (const part of chainParts) if (part.pauser) pausers.set(part.chain.id, part.pauser);
  // Filled in start(): channel secrets load asynchronously (env or files).
  const channels = new Map<string, NotificationChannel>();
  // Escalation and quiet hours run on Redis delayed jobs; only a plan that pages roles needs them.
  const usesTimers = config.plan.roles.length > 0;
  let timerQueue: PlanTimers | undefined;
  let timerWorker: PlanTimerWorker | undefined;
  const timers: PlanTimers = {
    schedule: (timer, options) => {
      if (!timerQueue) throw new Error('plan timers are not started yet');
      return timerQueue.schedule(timer, options);
    },
    close: async () => timerQueue?.close(),
  };
  const runnerFor = (running: LoadedConfig) =>
    createPlanRunner({ config: running.config, contracts: running.contracts, incidents, pausers, channels, log, timers: usesTimers ? timers : undefined, metrics });
  // Swapped by a reload; the queue worker, act-on-head and the timers always reach the current one.
  let current = { loaded, runner: runnerFor(loaded) };
  const planRunner: PlanRunner = {
    handle: (anomaly, hooks) => current.runner.handle(anomaly, hooks),
    handleTimer: (timer) => current.runner.handleTimer(timer),
  };
  const actOnHead = createActOnHead({ runner: planRunner });
  const afterReorg = createAfterReorg({ incidents, log });
  /** Containment at detection: the plan runner, or — Redis unreachable — the direct containment. */
  const startContainment = (anomaly: Anomaly): Promise<void> =>
    outage.mode.spooling()
      ? outage.direct.contain(anomaly)
      : actOnHead.start(anomaly, {
          // Redis went away mid-run (the incident or pause record could not be written): contain without it.
          onFailed: () => (outage.mode.spooling() || !outage.mode.redisUp() ? void outage.direct.contain(anomaly) : undefined),
        });
  let worker: { close(): Promise<void> } | undefined;
  /** Wall time each chain last processed a block, for /healthz. */
  const lastBlockAt: (number | undefined)[] = chainParts.map(() => undefined);
  const followers = chainParts.map((part, index) =>
    createChainFollower({
      chain: part.chain,
      clients: part.clients,
      checkpoint: outage.checkpoint(part.chain.id, createCheckpointStore({ redis, keyPrefix, chainId: part.chain.id })),
      log,
      onLiveness: (event) => part.liveness.onEvent(event),
      onDeepReorg: (event) => part.deepReorg.onEvent(event),
      ...createChainHandlers({
        part,
        startContainment,
        outage,
        incidents,
        afterReorg,
        metrics,
        log,
        onProcessed: () => (lastBlockAt[index] = Date.now()),
        onAnomalies: params.onAnomalies,
      }),
    }),
  );

  let stopped = false;
  let health: HealthServer | undefined;
  let reloadListener: ReloadListener | undefined;

  /**
   * Followers with a WebSocket url start on HTTP polling and switch once subscribed. Give the socket
   * a moment so "following" means heads arrive as pushed, not a poll interval late; polling still
   * covers a socket that does not come up.
   */
  async function waitForSockets(timeoutMs = 3_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const wanting = () => followers.filter((follower, index) => chainParts[index]!.chain.rpc.ws.length > 0 && follower.headMode() !== 'ws');
    while (wanting().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    for (const follower of wanting()) {
      log.warn({ chain: chainParts[followers.indexOf(follower)]!.chain.name }, 'WebSocket not subscribed yet: polling over HTTP meanwhile');
    }
  }
  async function loadChannels(): Promise<void> {
    try {
      const secrets = await loadChannelSecrets({ channels: config.responders.channels, env });
      for (const [id, channel] of createChannels({ configs: config.responders.channels, secrets })) channels.set(id, channel);
    } catch (error) {
      if (!(error instanceof ChannelSecretError)) throw error;
      throw new ConfigError(error.problems.map((message) => ({ path: 'responders.channels', message })), loaded.file);
    }
  }
  const chainStatus = () => chainHealth({ parts: chainParts, followers, lastBlockAt });

  /**
   * Swaps in the detectors, plan and contracts of `next` between two blocks of each chain: the block
   * in flight finishes with the old ones, the next block uses the new; checkpoints are untouched, so
   * no block is skipped or processed twice. Everything is built before anything is swapped: an
   * invalid config throws a ConfigError and the running one stays.
   */
  function reload(next: LoadedConfig): ReloadOutcome {
    const prepared = prepareReload({ running: current.loaded, next });
    const built = createDetectors({ config: prepared.loaded.config, contracts: prepared.loaded.contracts, guardianAddresses: pausingAccounts, log, customModules: next.customDetectors });
    const processors = chainParts.map((part) => processorFor(part.chain, part.clients, prepared.loaded.contracts, built));
    const runner = runnerFor(prepared.loaded);
    const replaced = chainParts.map((part) => part.processor);
    chainParts.forEach((part, index) => (part.processor = processors[index]!));
    // The old processors' last per-detector stats still go to Redis.
    void Promise.all(replaced.map((processor) => processor.flushStats()));
    current = { loaded: prepared.loaded, runner };
    if (prepared.needsRestart.length > 0) log.warn({ sections: prepared.needsRestart }, 'config reloaded, but these sections changed and need a restart; their running values are kept');
    log.info({ changed: prepared.changed, detectors: built.length }, 'config reloaded');
    return { ok: true, changed: prepared.changed, needsRestart: prepared.needsRestart };
  }
  const reloadFromFile = createFileReloader({ file: loaded.file, env, log, apply: reload });

  return {
    reloadFromFile,
    healthAddress: () => health?.address,
    chains: chainStatus,
    incidents,
    redis,
    metrics,
    guardianAddress: account?.address,
    async start() {
      // Before anything connects: a channel without its secret must stop the start, not the first page.
      await loadChannels();
      // The pausers' warm-up may already have opened the (lazy) connection.
      try {
        if (redis.status === 'wait') await redis.connect();
        await redis.ping();
      } catch (error) {
        throw redisUnavailable(config.redis.url, (error as Error).message);
      }
      queue = createAnomalyQueue({ redisUrl: config.redis.url, keyPrefix, log });
      // The first incident of a process must not pay for cold code and uncached scripts mid-attack.
      // Best effort, and bounded: a slow RPC must not hold up following.
      const warmUps = Promise.all([
        warmUpIncidentStore({ redis, keyPrefix }).catch((error: unknown) => log.warn({ err: describeError(error) }, 'incident warm-up failed')),
        ...[...pausers.values()].map((pauser) => pauser.warmedUp()),
      ]);
      await Promise.race([warmUps, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
      health = await startDaemonHealth({ config, parts: chainParts, followers, chains: chainStatus, redis, outage: outage.mode, metrics, queue: () => queue?.queue });
      worker = createAnomalyWorker({
        redisUrl: config.redis.url,
        keyPrefix,
        log,
        handle: (anomaly) => actOnHead.handleJob(anomaly),
      });
      if (usesTimers) {
        timerQueue = createPlanTimers({ redisUrl: config.redis.url, keyPrefix });
        timerWorker = createPlanTimerWorker({ redisUrl: config.redis.url, keyPrefix, log, handle: (timer) => planRunner.handleTimer(timer) });
      }
      // A spool left by a process that died during an earlier outage goes into Redis before following.
      await outage.mode.replay();
      reloadListener = await listenForReloads({ redisUrl: config.redis.url, keyPrefix, replicaId: `${hostname()}:${process.pid}`, log, reload: reloadFromFile });
      await Promise.all(followers.map((follower) => follower.start()));
      await waitForSockets();
      log.info({ chains: config.chains.map((chain) => chain.name), detectors: detectors.length, guardian: account?.address, health: health.address }, 'warden is following');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(followers.map((follower) => follower.stop()));
      // Finish the responses in flight (pauses started at detection) before closing connections.
      await Promise.all([actOnHead.drain(), afterReorg.drain(), outage.direct.drain(), ...chainParts.map((part) => part.readiness?.idle()), ...chainParts.map((part) => part.liveness.stop()), ...chainParts.map((part) => part.deepReorg.stop())]);
      // Each part gets a bounded time: with Redis gone, BullMQ's close waits for a connection forever.
      await closeWithin(log, 'detector stats', Promise.all(chainParts.map((part) => part.processor.flushStats())));
      await closeWithin(log, 'health server', health?.close());
      await closeWithin(log, 'reload listener', reloadListener?.close());
      await closeWithin(log, 'anomaly worker', worker?.close());
      await closeWithin(log, 'plan timer worker', timerWorker?.close());
      await closeWithin(log, 'anomaly queue', queue?.close());
      await closeWithin(log, 'plan timers', timers.close());
      await Promise.all(chainParts.map((part) => part.clients.close()));
      outage.close();
      redis.disconnect();
      log.info('warden stopped');
    },
  };
}
