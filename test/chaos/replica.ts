/**
 * One warden replica of the chaos run: a lineage of `warden run` processes (the real binary, sources
 * through tsx) on one config file, restarted after each kill. Every stdout/stderr line of every run goes
 * to the lineage's log file and through `onLine`; the lineage keeps what the report needs:
 *
 * - commits: each 'block processed' line (debug level, logged by the follower right after the
 *   checkpoint write), with the run it came from;
 * - resumeLines: the checkpoint a run found when it had blocks to catch up ('catching up from the checkpoint');
 * - exits nobody asked for (a crash), with the end of the output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hex } from 'viem';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(repoRoot, 'bin', 'warden.js');

export interface Commit {
  number: number;
  hash: Hex;
  /** 0 for the first process of the lineage, +1 per restart. */
  run: number;
}

/** A run after the first logged where it resumes: the checkpoint it found (only when it had blocks to catch up). */
export interface ResumeLine {
  run: number;
  checkpoint: number;
}

export interface UnexpectedExit {
  run: number;
  code: number | null;
  signal: string | null;
  tail: string;
}

export type LogLine = Record<string, unknown> & { msg?: string };

export interface Replica {
  name: string;
  logFile: string;
  running(): boolean;
  /** Resolves once the process logs 'warden is following'. */
  start(): Promise<void>;
  kill(): Promise<void>;
  stop(): Promise<void>;
  onLine(listener: (line: LogLine) => void): () => void;
  commits: Commit[];
  resumeLines: ResumeLine[];
  unexpectedExits: UnexpectedExit[];
  runs(): number;
}

export function createReplica(params: { name: string; configPath: string; env: NodeJS.ProcessEnv; logFile: string }): Replica {
  const listeners = new Set<(line: LogLine) => void>();
  const commits: Commit[] = [];
  const resumeLines: ResumeLine[] = [];
  const unexpectedExits: UnexpectedExit[] = [];
  let child: ChildProcess | undefined;
  let run = -1;
  let exited: Promise<void> = Promise.resolve();
  let expectingExit = false;

  function handle(text: string, currentRun: number) {
    appendFileSync(params.logFile, text);
    for (const raw of text.split('\n')) {
      if (!raw.trim().startsWith('{')) continue;
      let line: LogLine;
      try {
        line = JSON.parse(raw) as LogLine;
      } catch {
        continue;
      }
      if (line.msg === 'block processed') commits.push({ number: Number(line.block), hash: line.hash as Hex, run: currentRun });
      if (line.msg === 'catching up from the checkpoint') resumeLines.push({ run: currentRun, checkpoint: Number(line.block) });
      for (const listener of listeners) listener(line);
    }
  }

  const replica: Replica = {
    name: params.name,
    logFile: params.logFile,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    runs: () => run + 1,
    commits,
    resumeLines,
    unexpectedExits,
    onLine(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {
      run += 1;
      const currentRun = run;
      expectingExit = false;
      appendFileSync(params.logFile, `# --- ${params.name} run ${currentRun} started ${new Date().toISOString()}\n`);
      const process_ = spawn(process.execPath, [bin, 'run', '--config', params.configPath], { cwd: repoRoot, env: params.env, stdio: ['ignore', 'pipe', 'pipe'] });
      child = process_;
      let tail = '';
      // Lines may be split across chunks: hand over complete lines only.
      const pending = { stdout: '', stderr: '' };
      const feed = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
        const text = pending[stream] + chunk.toString();
        const cut = text.lastIndexOf('\n') + 1;
        pending[stream] = text.slice(cut);
        tail = (tail + text.slice(0, cut)).slice(-4000);
        if (cut > 0) handle(text.slice(0, cut), currentRun);
      };
      process_.stdout!.on('data', feed('stdout'));
      process_.stderr!.on('data', feed('stderr'));
      exited = new Promise((resolve) => {
        process_.on('close', (code, signal) => {
          const rest = pending.stdout + pending.stderr;
          if (rest) handle(`${rest}\n`, currentRun);
          if (!expectingExit) unexpectedExits.push({ run: currentRun, code, signal, tail: tail.slice(-2000) });
          resolve();
        });
      });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`${params.name} did not follow within 120 s (see ${params.logFile})`)), 120_000);
        const off = replica.onLine((line) => line.msg === 'warden is following' && done());
        void exited.then(() => done(new Error(`${params.name} exited before following (see ${params.logFile})`)));
        function done(error?: Error) {
          clearTimeout(timer);
          off();
          if (error) reject(error);
          else resolve();
        }
      });
    },
    async kill() {
      if (!replica.running()) return;
      expectingExit = true;
      child!.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!replica.running()) return;
      expectingExit = true;
      const timer = setTimeout(() => child?.kill('SIGKILL'), 15_000);
      child!.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
  };
  return replica;
}
