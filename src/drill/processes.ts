/**
 * Starting and stopping the local processes a drill or a test needs: anvil (from the
 * @foundry-rs/anvil npm package) and a throwaway redis-server. Both are spawned directly (not
 * through npx) so their PIDs can be stopped, on free ports chosen by the OS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** A free TCP port on 127.0.0.1, as the OS hands it out. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Path of the anvil binary shipped by the @foundry-rs/anvil npm package for this platform. */
export function anvilBinaryPath(): string {
  const require = createRequire(import.meta.url);
  const platform = { linux: 'linux', darwin: 'darwin', win32: 'win32' }[process.platform as string];
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch as string];
  if (!platform || !arch) throw new Error(`anvil: no binary package for ${process.platform}/${process.arch}`);
  const pkg = `@foundry-rs/anvil-${platform}-${arch}`;
  try {
    return join(dirname(require.resolve(`${pkg}/package.json`)), 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
  } catch {
    throw new Error(`anvil: ${pkg} is not installed; run \`npm ci\` (it is an optional dependency of @foundry-rs/anvil)`);
  }
}

export interface ManagedProcess {
  url: string;
  port: number;
  process: ChildProcess;
  /** Stops the process (SIGTERM, then SIGKILL after a grace period). Safe to call twice. */
  stop(): Promise<void>;
}

/** Spawns a process and resolves once a line of its output matches `ready`. */
async function spawnUntilReady(params: {
  command: string;
  args: string[];
  ready: RegExp;
  name: string;
  timeoutMs?: number;
}): Promise<ChildProcess> {
  const child = spawn(params.command, params.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${params.name} did not start within ${params.timeoutMs ?? 15_000} ms:\n${output}`));
    }, params.timeoutMs ?? 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (params.ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${params.name} could not be started (${params.command}): ${error.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${params.name} exited with code ${code} before it was ready:\n${output}`));
    });
  });
  // Keep draining output so a chatty process never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();
  child.removeAllListeners('exit');
  return child;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 3_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  };
}

export interface AnvilOptions {
  /** Seconds between blocks (interval mining); omit for automine (a block per transaction). */
  blockTime?: number;
  port?: number;
  chainId?: number;
  /** Fork this chain (anvil reads its state lazily over this url; nothing is ever sent to it). */
  forkUrl?: string;
  /** Fork at this block; default the chain's latest. */
  forkBlockNumber?: number;
  extraArgs?: string[];
  /** How long anvil may take to print `Listening on`; default 15 s, 60 s when forking (it fetches the fork block first). */
  startTimeoutMs?: number;
}

export interface Anvil extends ManagedProcess {
  wsUrl: string;
}

/** Starts anvil on a free port; resolves when it prints `Listening on`. */
export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const port = options.port ?? (await freePort());
  const args = ['--port', String(port), '--host', '127.0.0.1', '--chain-id', String(options.chainId ?? 31337)];
  if (options.blockTime !== undefined) args.push('--block-time', String(options.blockTime));
  if (options.forkUrl) args.push('--fork-url', options.forkUrl);
  if (options.forkBlockNumber !== undefined) args.push('--fork-block-number', String(options.forkBlockNumber));
  args.push(...(options.extraArgs ?? []));
  const timeoutMs = options.startTimeoutMs ?? (options.forkUrl ? 60_000 : 15_000);
  const child = await spawnUntilReady({ command: anvilBinaryPath(), args, ready: /Listening on/, name: 'anvil', timeoutMs });
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    process: child,
    stop: stopper(child),
  };
}

/**
 * Starts a throwaway redis-server (needs `redis-server` on PATH) on a free port (or `port`). With `dir`, it persists there (appendonly, as a
 * production Redis should), so a test can stop it and start it again on the same port and data.
 */
export async function startRedisServer(options: { port?: number; dir?: string } = {}): Promise<ManagedProcess> {
  const port = options.port ?? (await freePort());
  const persistence = options.dir ? ['--dir', options.dir, '--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const child = await spawnUntilReady({
    command: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence],
    ready: /Ready to accept connections/,
    name: 'redis-server',
  });
  return { url: `redis://127.0.0.1:${port}`, port, process: child, stop: stopper(child) };
}
