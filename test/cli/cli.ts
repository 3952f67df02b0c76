/**
 * Runs the real `warden` bin as a child process (sources through tsx, WARDEN_FROM_SOURCE=1), and
 * sets up a chain for it: a real anvil, a real redis-server and the demo protocol, addressed through
 * the DRILL_* variables config/drill.yaml reads. Warden itself is never started in-process here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Address } from 'viem';
import { deployDrillProtocol, drillEnv } from '../../src/drill/drill-env.js';
import { startAnvil, startRedisServer, type Anvil, type ManagedProcess } from '../../src/drill/processes.js';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const drillConfigPath = join(repoRoot, 'config', 'drill.yaml');
const bin = join(repoRoot, 'bin', 'warden.js');

export type CliEnv = Record<string, string | undefined>;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout or stderr matches `pattern`; rejects on exit or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves when the process exits. */
  exited: Promise<CliResult>;
}

/** The environment every CLI run gets: this process's, minus anything that would change warden's behaviour. */
function cliEnv(env: CliEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env, WARDEN_FROM_SOURCE: '1', NO_COLOR: '1' };
  for (const name of ['REDIS_URL', 'WARDEN_GUARDIAN_KEY', 'LOG_LEVEL', 'WARDEN_DEBUG']) delete out[name];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete out[name];
    else out[name] = value;
  }
  return out;
}

/** Starts `warden ARGS...` and returns a handle on it. */
export function spawnCli(args: string[], env: CliEnv = {}): CliProcess {
  const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const listener of listeners) listener();
  });
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => {
          listeners.delete(check);
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        };
        const check = () => {
          if (pattern.test(stdout) || pattern.test(stderr)) done();
        };
        const timer = setTimeout(() => done(new Error(`timed out waiting for ${pattern}:\n${stdout}\n${stderr}`)), timeoutMs);
        listeners.add(check);
        void exited.then(() => done(new Error(`warden exited before printing ${pattern}:\n${stdout}\n${stderr}`)));
        check();
      });
    },
  };
}

/** Runs `warden ARGS...` to completion (killed after `timeoutMs`). */
export async function runCli(args: string[], env: CliEnv = {}, timeoutMs = 30_000): Promise<CliResult> {
  const cli = spawnCli(args, env);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), timeoutMs);
  try {
    return await cli.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** A scratch directory for config files, removed by `cleanup()`. */
export function scratchDir(): { path(name: string): string; write(name: string, text: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cli-'));
  return {
    path: (name) => join(dir, name),
    write(name, text) {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** config/drill.yaml with `edit` applied to its text (each replacement must match, so a stale edit fails loudly). */
export async function editedDrillConfig(edits: [string | RegExp, string][]): Promise<string> {
  let text = await readFile(drillConfigPath, 'utf8');
  for (const [from, to] of edits) {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`config edit did not apply: ${String(from)}`);
    text = next;
  }
  return text;
}

export interface CliChain {
  anvil: Anvil;
  redis: ManagedProcess;
  vault: Address;
  token: Address;
  /** What config/drill.yaml needs to point at this chain, with the guardian key (anvil dev #1). */
  env: CliEnv;
  stop(): Promise<void>;
}

/** anvil (automine) + redis-server + the demo protocol, the guardian holding PAUSER_ROLE. */
export async function startCliChain(): Promise<CliChain> {
  const [anvil, redis] = await Promise.all([startAnvil(), startRedisServer()]);
  const protocol = await deployDrillProtocol({ rpcUrl: anvil.url });
  return {
    anvil,
    redis,
    vault: protocol.vault,
    token: protocol.token,
    // Only the drill's variables: the CLI child gets the rest of the environment by itself.
    env: drillEnv({ rpcUrl: anvil.url, wsUrl: anvil.wsUrl, protocol, redisUrl: redis.url }),
    async stop() {
      await Promise.all([anvil.stop(), redis.stop()]);
    },
  };
}

/** Parses the rows `warden check --json` prints. */
export function checkRows(stdout: string): { check: string; subject: string; ok: boolean; detail: string }[] {
  return JSON.parse(stdout) as { check: string; subject: string; ok: boolean; detail: string }[];
}
