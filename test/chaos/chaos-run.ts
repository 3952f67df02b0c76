/**
 * The chaos run (issue 6): two `warden run` replicas on one Redis, against anvil behind the seeded fault
 * proxy (RPC errors), while the run mines `blocks` blocks with reorgs of depth 1–3, drops every socket
 * about every `wsDropEvery` blocks, SIGKILLs a replica `kills` times (some of them during a response:
 * at its first anomaly line, or as it broadcasts the pause) and restarts it, restarts Redis, and injects
 * the drill's drain `exploits` times. Everything random comes from `seed`. Then it lets the replicas catch
 * up with the faults lifted and builds the report (report.ts).
 *
 * Rules that keep the run meaningful: a replica is only killed while the other one runs (and never
 * while Redis is down: `warden run` refuses to start without Redis); with `exploitDuringRedisOutage`
 * false an exploit never starts while Redis is down and Redis never goes down during an exploit.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { seededRandom } from '../../detectors/test-helpers.js';
import { drillAccounts } from '../../src/drill/accounts.js';
import { createChainDriver } from './chain-driver.js';
import { startChaosWorld } from './chaos-world.js';
import { runExploit, type ExploitRecord } from './exploits.js';
import { createReplica, type LogLine, type Replica } from './replica.js';
import { buildReport, type ChaosReport, type KillRecord } from './report.js';

export interface ChaosOptions {
  blocks: number;
  seed: number;
  kills: number;
  /** How many of the kills happen during a response (one per exploit at most). Default ⌈kills / 3⌉. */
  responseKills?: number;
  /** The moments of the response kills, in turn: at a replica's first anomaly line, or at the pause broadcast. Default both, alternating. */
  responseKillMoments?: ('detected' | 'broadcast')[];
  exploits: number;
  /** Seconds per block. */
  blockTime: number;
  rpcErrorRate: number;
  reorgRate: number;
  wsDropEvery: number;
  redisRestarts: number;
  redisDownMs: number;
  exploitDuringRedisOutage: boolean;
  /** Logs, configs, Redis data and spools go here (emptied first). */
  dir: string;
  progress?(message: string): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const startedAt = Date.now();
  const say = options.progress ?? (() => {});
  // Absolute: the replicas' configs name their spool directories, and relative paths there are relative to the config file.
  const dir = resolve(options.dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const random = seededRandom(options.seed);
  const world = await startChaosWorld({ dir, seed: options.seed, blockTime: options.blockTime, rpcErrorRate: options.rpcErrorRate });
  // Its own RNG: which blocks reorg does not depend on the timing of kills and exploits.
  const driver = createChainDriver({ client: world.client, random: seededRandom(options.seed ^ 0x5eed), reorgRate: options.reorgRate });
  const replicas: Replica[] = [];
  try {
    for (const name of ['replica-a', 'replica-b']) {
      const setup = await world.replicaSetup(name);
      replicas.push(createReplica({ name, ...setup, logFile: join(dir, `${name}.log`) }));
    }
    await Promise.all(replicas.map((replica) => replica.start()));
    say('both replicas follow');

    // The plan: exploits spread over the run, kills and the Redis restart at random blocks (deferred by the rules above).
    const span = Math.max(1, options.blocks - 40);
    const exploitAt = Array.from({ length: options.exploits }, (_, i) => 10 + Math.floor(((i + random()) * span) / Math.max(1, options.exploits)));
    const responseKills = Math.min(options.exploits, options.responseKills ?? Math.ceil(options.kills / 3), options.kills);
    const killAt = Array.from({ length: options.kills - responseKills }, () => 10 + Math.floor(random() * (options.blocks - 20))).sort((a, b) => a - b);
    const responseKillExploits = new Set(Array.from({ length: responseKills }, (_, i) => Math.floor((i * options.exploits) / Math.max(1, responseKills))));
    const redisAt = Array.from({ length: options.redisRestarts }, () => 10 + Math.floor(random() * (options.blocks - 30))).sort((a, b) => a - b);
    // An attack during the outage must be contained too: the first outage comes two blocks before the last exploit.
    if (options.exploitDuringRedisOutage && redisAt.length > 0 && exploitAt.length > 0) redisAt[0] = Math.max(10, exploitAt.at(-1)! - 2);
    redisAt.sort((a, b) => a - b);

    let mined = 0;
    const waitBlocks = async (blocks: number) => {
      const target = mined + blocks;
      while (mined < target) await sleep(50);
    };
    const kills: KillRecord[] = [];
    const exploits: ExploitRecord[] = [];
    const wsDrops: number[] = [];
    const redisRestarts: { atBlock: number; downMs: number; upAtBlock: number }[] = [];
    const tasks = new Set<Promise<unknown>>();
    const track = <T>(task: Promise<T>) => {
      tasks.add(task);
      void task.finally(() => tasks.delete(task));
      return task;
    };
    let exploitRunning = false;
    let redisDown = false;
    let restarting = 0;
    let nextWsDrop = Math.round(options.wsDropEvery * (0.5 + random()));

    const canKill = () => !redisDown && restarting === 0 && replicas.every((replica) => replica.running());
    async function kill(replica: Replica, moment: string) {
      const record: KillRecord = { replica: replica.name, atBlock: await driver.head(), moment };
      kills.push(record);
      restarting += 1;
      await replica.kill();
      say(`killed ${replica.name} (${moment}) at block ${record.atBlock}`);
      await waitBlocks(1 + Math.floor(random() * 4));
      while (redisDown) await sleep(100);
      record.checkpointAtRestart = await world.checkpoint();
      const own = replica.commits.map((commit) => commit.number);
      if (own.length > 0) record.lineageCommittedAtRestart = Math.max(...own);
      record.restartedAtBlock = await driver.head();
      await replica.start();
      restarting -= 1;
    }
    /** Kills a replica at a moment of the response to exploit `index`: its first anomaly line, or its pause broadcast. */
    let responseKillsArmed = 0;
    function armResponseKill(index: number) {
      if (!canKill()) return;
      // In turn, so every moment happens whatever the seed.
      const moments = options.responseKillMoments ?? ['detected', 'broadcast'];
      const moment = moments[responseKillsArmed++ % moments.length]!;
      const chosen = replicas[Math.floor(random() * replicas.length)]!;
      const fits = (line: LogLine) => (moment === 'detected' ? line.anomaly !== undefined && line.detector !== undefined : line.msg === 'pause tx broadcast');
      const offs = replicas.map((replica) =>
        replica.onLine((line) => {
          if (!fits(line) || (moment === 'detected' && replica !== chosen)) return;
          for (const off of offs) off();
          if (canKill()) void track(kill(replica, `${moment} (exploit ${index})`));
        }),
      );
      // Nobody got there within 20 blocks (another replica did it all): give up on this one.
      void track(waitBlocks(20).then(() => offs.forEach((off) => off())));
    }

    const exploitsDone = () => exploits.length === options.exploits;
    for (let i = 0; i < options.blocks || !exploitsDone() || restarting > 0; i++) {
      await sleep(options.blockTime * 1000);
      await driver.step();
      mined += 1;
      if (mined >= nextWsDrop) {
        world.proxy.dropWebSockets();
        wsDrops.push(await driver.head());
        nextWsDrop = mined + Math.round(options.wsDropEvery * (0.5 + random()));
      }
      const nextExploit = exploits.length + (exploitRunning ? 1 : 0);
      if (!exploitRunning && nextExploit < options.exploits && i >= exploitAt[nextExploit]! && (options.exploitDuringRedisOutage || !redisDown)) {
        exploitRunning = true;
        say(`exploit ${nextExploit} starts at block ${await driver.head()}`);
        if (responseKillExploits.has(nextExploit)) armResponseKill(nextExploit);
        const context = { client: world.client, rpcUrl: world.anvil.url, vault: world.vault, incidents: world.incidents, waitBlocks, head: driver.head, settleBlocks: 12 };
        void track(
          runExploit(context, nextExploit).then((record) => {
            exploits.push(record);
            exploitRunning = false;
            say(`exploit ${record.index}: ${record.stopReason}, ${record.steps.filter((step) => step.status === 'success').length} steps succeeded${record.error ? `, error ${record.error}` : ''}`);
          }),
        );
      }
      if (killAt.length > 0 && i >= killAt[0]! && canKill()) {
        killAt.shift();
        void track(kill(replicas[Math.floor(random() * replicas.length)]!, 'random'));
      }
      if (redisAt.length > 0 && i >= redisAt[0]! && restarting === 0 && (options.exploitDuringRedisOutage || !exploitRunning)) {
        redisAt.shift();
        redisDown = true;
        // If the outage came late (deferred by a restart), the next exploit still starts two blocks into it.
        const upcoming = exploits.length + (exploitRunning ? 1 : 0);
        if (options.exploitDuringRedisOutage && !exploitRunning && upcoming < options.exploits) exploitAt[upcoming] = Math.min(exploitAt[upcoming]!, i + 2);
        const atBlock = await driver.head();
        say(`redis down at block ${atBlock}`);
        void track(
          world.restartRedis(options.redisDownMs).then(async () => {
            redisDown = false;
            redisRestarts.push({ atBlock, downMs: options.redisDownMs, upAtBlock: await driver.head() });
            say('redis up');
          }),
        );
      }
      if (i % 50 === 0) say(`block ${i}/${options.blocks}: ${kills.length} kills, ${exploits.length} exploits, ${driver.reorgs.length} reorgs`);
    }
    await Promise.all(tasks);

    // Let both replicas catch up with the faults lifted, so "missed" means missed, not "not yet".
    world.proxy.faults = {};
    for (const replica of replicas) if (!replica.running()) await replica.start();
    await driver.step();
    const finalHead = await driver.head();
    const headHash = (await world.client.getBlock({ blockNumber: BigInt(finalHead) })).hash;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && !replicas.every((replica) => replica.commits.some((commit) => commit.hash === headHash))) await sleep(200);
    const injectedFaults = world.proxy.injected();
    await Promise.all(replicas.map((replica) => replica.stop()));
    say('building the report');
    return await buildReport(world.client, {
      options: { ...options, progress: undefined },
      startedAt: new Date(startedAt).toISOString(),
      durationSeconds: Math.round((Date.now() - startedAt) / 1000),
      finalHead,
      replicas,
      kills,
      exploits: exploits.sort((a, b) => a.index - b.index),
      reorgs: driver.reorgs,
      failedReorgs: driver.failedReorgs,
      wsDrops,
      redisRestarts,
      injectedFaults,
      guardian: drillAccounts.guardian.address,
      vault: world.vault,
    });
  } finally {
    await Promise.all(replicas.map((replica) => replica.kill()));
    await world.stop();
  }
}
