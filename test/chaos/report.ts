/**
 * The chaos report: what the replicas committed, held against the node's final chain.
 *
 * - processed = a checkpoint commit (the follower's 'block processed' line, logged after the write);
 *   a replica lineage is one replica across its restarts;
 * - missed: a canonical block (between the first commit and the final head) no lineage committed;
 * - duplicated: a lineage committed the same block hash twice. Each duplicate says whether it came after
 *   a restart that resumed from a shared checkpoint below what the lineage had already committed (the
 *   other replica wrote it lower), after a restart otherwise, or within one run;
 * - pause txs: every guardian tx on the final chain, by exploit window; more than one in a window is a
 *   duplicate pause, one outside every window is unexpected;
 * - exploits: contained when the drain stopped on a revert (the vault paused) with a pause tx of the
 *   guardian on the final chain; blocks to containment = pause block − first successful step's block.
 */
import { decodeFunctionData, type Address, type Hex, type PublicClient } from 'viem';
import { demoVaultAbi } from '../../src/drill/abis.js';
import type { ReorgRecord } from './chain-driver.js';
import type { ExploitRecord } from './exploits.js';
import type { Replica, UnexpectedExit } from './replica.js';

export interface KillRecord {
  replica: string;
  atBlock: number;
  /** 'random', or what it was waiting for during a response: 'detected' | 'broadcast'. */
  moment: string;
  /** The shared checkpoint (block number) just before the restart, and the lineage's highest commit then. */
  checkpointAtRestart?: number;
  lineageCommittedAtRestart?: number;
  restartedAtBlock?: number;
}

export interface ChaosFacts {
  options: Record<string, unknown>;
  startedAt: string;
  durationSeconds: number;
  finalHead: number;
  replicas: Replica[];
  kills: KillRecord[];
  exploits: ExploitRecord[];
  reorgs: ReorgRecord[];
  failedReorgs: string[];
  wsDrops: number[];
  redisRestarts: { atBlock: number; downMs: number; upAtBlock: number }[];
  injectedFaults: Record<string, number>;
  guardian: Address;
  vault: Address;
}

export interface DuplicateCommit {
  replica: string;
  block: number;
  hash: Hex;
  runs: number[];
  cause: 'restart-resumed-below-own-commits' | 'restart' | 'within-one-run';
  evidence?: string;
}

export async function buildReport(client: PublicClient, facts: ChaosFacts) {
  const allCommits = facts.replicas.flatMap((replica) => replica.commits);
  const firstBlock = Math.min(...allCommits.map((commit) => commit.number));
  const canonical = new Map<number, Hex>();
  const pauseTxs: { hash: Hex; block: number }[] = [];
  const otherGuardianTxs: { hash: Hex; block: number }[] = [];
  for (let number = firstBlock; number <= facts.finalHead; number++) {
    const block = await client.getBlock({ blockNumber: BigInt(number), includeTransactions: true });
    canonical.set(number, block.hash);
    for (const tx of block.transactions) {
      if (tx.from.toLowerCase() !== facts.guardian.toLowerCase()) continue;
      const isPause = tx.to?.toLowerCase() === facts.vault.toLowerCase() && safeFunctionName(tx.input) === 'pause';
      (isPause ? pauseTxs : otherGuardianTxs).push({ hash: tx.hash, block: number });
    }
  }
  const canonicalHashes = new Set(canonical.values());
  const committedCanonical = new Set(allCommits.filter((commit) => canonicalHashes.has(commit.hash)).map((commit) => commit.hash));
  const missed = [...canonical].filter(([, hash]) => !committedCanonical.has(hash)).map(([number]) => number);

  const resumes = facts.replicas.flatMap((replica) => resumesOf(replica));
  const duplicates: DuplicateCommit[] = [];
  for (const replica of facts.replicas) {
    const byHash = new Map<Hex, number[]>();
    for (const commit of replica.commits) byHash.set(commit.hash, [...(byHash.get(commit.hash) ?? []), commit.run]);
    for (const [hash, runs] of byHash) {
      if (runs.length < 2) continue;
      const block = replica.commits.find((commit) => commit.hash === hash)!.number;
      const laterRun = runs.find((run) => run !== runs[0]);
      const resume = resumes.find((entry) => entry.replica === replica.name && entry.run === laterRun);
      const cause: DuplicateCommit['cause'] = laterRun === undefined ? 'within-one-run' : resume?.reprocessed ? 'restart-resumed-below-own-commits' : 'restart';
      const evidence = resume
        ? `run ${resume.run} found the shared checkpoint at ${resume.checkpoint ?? '(not logged: nothing to catch up)'} and committed block ${resume.firstCommit} first, while this lineage had committed up to ${resume.lastCommitBefore ?? 'nothing'}`
        : undefined;
      duplicates.push({ replica: replica.name, block, hash, runs, cause, ...(evidence ? { evidence } : {}) });
    }
  }

  // Exploit windows: from one exploit's start to the next one's.
  const windows = facts.exploits.map((exploit, i) => ({ from: exploit.startedAtBlock, to: facts.exploits[i + 1]?.startedAtBlock ?? Number.POSITIVE_INFINITY }));
  const pausesIn = (window: { from: number; to: number }) => pauseTxs.filter((tx) => tx.block > window.from && tx.block <= window.to);
  const duplicatePauseTxs = windows.reduce((sum, window) => sum + Math.max(0, pausesIn(window).length - 1), 0);
  const unexpectedPauseTxs = pauseTxs.filter((tx) => !windows.some((window) => tx.block > window.from && tx.block <= window.to));

  const exploits = await Promise.all(
    facts.exploits.map(async (exploit, i) => {
      const successful = exploit.steps.filter((step) => step.status === 'success');
      // Blocks on the final chain (a reorg may have moved a step).
      const exploitBlock = successful[0] ? Number((await client.getTransactionReceipt({ hash: successful[0].txHash })).blockNumber) : undefined;
      const pause = pausesIn(windows[i]!)[0];
      const contained = exploit.stopReason === 'reverted' && pause !== undefined;
      // A drain whose first step reverted met a vault paused before it started: it says nothing about containment.
      const outcome = contained ? 'contained' : exploit.stopReason === 'reverted' && successful.length === 0 ? 'vault-already-paused' : 'not-contained';
      return {
        index: exploit.index,
        startedAtBlock: exploit.startedAtBlock,
        exploitBlock,
        stepsSucceeded: successful.length,
        stopReason: exploit.stopReason,
        pauseTxHash: pause?.hash,
        pauseBlock: pause?.block,
        blocksToContainment: pause && exploitBlock !== undefined ? pause.block - exploitBlock : undefined,
        contained,
        outcome,
        killsDuringResponse: facts.kills.filter((kill) => kill.moment !== 'random' && kill.atBlock >= exploit.startedAtBlock && kill.atBlock <= (exploit.finishedAtBlock ?? Infinity)).length,
        duringRedisOutage: facts.redisRestarts.some((restart) => restart.atBlock <= (pause?.block ?? exploit.finishedAtBlock ?? Infinity) && restart.upAtBlock >= exploit.startedAtBlock),
        resolvedIncidents: exploit.resolvedIncidents,
        ...(exploit.cleanupProblem ? { cleanupProblem: exploit.cleanupProblem } : {}),
        ...(exploit.error ? { error: exploit.error } : {}),
      };
    }),
  );
  const crashes: (UnexpectedExit & { replica: string })[] = facts.replicas.flatMap((replica) => replica.unexpectedExits.map((exit) => ({ replica: replica.name, ...exit })));
  const contained = exploits.filter((exploit) => exploit.contained).length;

  return {
    summary: {
      canonicalBlocks: canonical.size,
      blocksFrom: firstBlock,
      blocksTo: facts.finalHead,
      missedBlocks: missed.length,
      duplicatedCommits: duplicates.length,
      duplicatePauseTxs,
      unexpectedPauseTxs: unexpectedPauseTxs.length,
      exploits: exploits.length,
      exploitsContained: contained,
      /** Drains that found the vault already paused (by a pause tx of an earlier window): not contained, not tested either. */
      exploitsPreempted: exploits.filter((exploit) => exploit.outcome === 'vault-already-paused').length,
      containedPercent: exploits.length === 0 ? 100 : Math.round((contained / exploits.length) * 1000) / 10,
      blocksToContainment: exploits.map((exploit) => exploit.blocksToContainment ?? null),
      crashes: crashes.length,
      /** Restarted runs that committed again a height their lineage had committed (a duplicate when the hash is the same). */
      restartsReprocessing: resumes.filter((resume) => resume.reprocessed).length,
      targetsMet: missed.length === 0 && duplicates.length === 0 && duplicatePauseTxs === 0 && contained === exploits.length,
    },
    options: facts.options,
    startedAt: facts.startedAt,
    durationSeconds: facts.durationSeconds,
    missed,
    duplicates,
    exploits,
    pauseTxs,
    otherGuardianTxs,
    kills: facts.kills,
    replicas: facts.replicas.map((replica) => ({
      name: replica.name,
      runs: replica.runs(),
      commits: replica.commits.length,
      nonCanonicalCommits: replica.commits.filter((commit) => canonical.get(commit.number) !== commit.hash).length,
      resumes: resumes.filter((resume) => resume.replica === replica.name),
      log: replica.logFile,
    })),
    crashes,
    reorgs: { count: facts.reorgs.length, byDepth: countBy(facts.reorgs.map((reorg) => reorg.depth)), failed: facts.failedReorgs },
    wsDrops: facts.wsDrops,
    redisRestarts: facts.redisRestarts,
    injectedFaults: facts.injectedFaults,
  };
}

export type ChaosReport = Awaited<ReturnType<typeof buildReport>>;

/** Where each restarted run of a lineage began committing, against what the lineage had committed before. */
function resumesOf(replica: Replica) {
  return Array.from({ length: Math.max(0, replica.runs() - 1) }, (_, i) => i + 1).map((run) => {
    const before = replica.commits.filter((commit) => commit.run < run).map((commit) => commit.number);
    const first = replica.commits.find((commit) => commit.run === run)?.number;
    const lastCommitBefore = before.length > 0 ? Math.max(...before) : undefined;
    return {
      replica: replica.name,
      run,
      checkpoint: replica.resumeLines.find((line) => line.run === run)?.checkpoint,
      firstCommit: first,
      lastCommitBefore,
      /** It committed again a block height this lineage had already committed. */
      reprocessed: first !== undefined && lastCommitBefore !== undefined && first <= lastCommitBefore,
    };
  });
}

function safeFunctionName(input: Hex): string | undefined {
  try {
    return decodeFunctionData({ abi: demoVaultAbi, data: input }).functionName;
  } catch {
    return undefined;
  }
}

function countBy(values: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const value of values) out[value] = (out[value] ?? 0) + 1;
  return out;
}
