/**
 * Compiles the drill's demo contracts (src/drill/contracts/*.sol) with solc-js, resolving
 * `@openzeppelin/...` imports from node_modules, and caches the artifacts on disk.
 *
 * Why a disk cache: loading solc-js (an 8 MB emscripten module) and compiling OpenZeppelin takes
 * seconds; tests and drills call this often. The cache key covers everything that changes the output
 * (our sources, the solc and OpenZeppelin versions, the compiler settings), so a stale artifact is
 * never served; solc itself is only imported on a cache miss.
 */
import { packageRoot } from '../paths.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Abi, Hex } from 'viem';

const require = createRequire(import.meta.url);

/** The contracts the drill deploys, by name. */
export const demoContractNames = ['DemoToken', 'DemoVault'] as const;
export type DemoContractName = (typeof demoContractNames)[number];

export interface CompiledContract {
  abi: Abi;
  /** Creation bytecode, 0x-prefixed. */
  bytecode: Hex;
}

export type CompileContractsReturnType = Record<DemoContractName, CompiledContract> & {
  /** True when the artifacts came from the disk cache (solc was not run). */
  fromCache: boolean;
  /** The cache file read or written. */
  cacheFile: string;
};

export interface CompileContractsParameters {
  /** Directory of the artifact cache; default `<package root>/node_modules/.cache/warden`. */
  cacheDir?: string;
}

/** solc reported errors; `message` holds solc's formatted messages, one after another. */
export class ContractCompileError extends Error {
  override name = 'ContractCompileError';
  constructor(readonly formattedMessages: string[]) {
    super(`solc failed to compile the drill contracts:\n${formattedMessages.join('\n')}`);
  }
}

/**
 * Compiler settings. cancun is the newest EVM version OpenZeppelin 5 needs (mcopy) and every
 * recent anvil hardfork (cancun, prague, osaka) runs it.
 */
const settings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
} as const;

function versionOf(pkg: string): string {
  return (require(`${pkg}/package.json`) as { version: string }).version;
}

async function readSources(root: string): Promise<Record<string, { content: string }>> {
  const sources: Record<string, { content: string }> = {};
  for (const name of demoContractNames) {
    const path = `src/drill/contracts/${name}.sol`;
    sources[path] = { content: await readFile(join(root, path), 'utf8') };
  }
  return sources;
}

/** solc's import callback: `@openzeppelin/...` (and any other package path) from node_modules. */
function findImport(path: string): { contents: string } | { error: string } {
  try {
    return { contents: readFileSync(require.resolve(path), 'utf8') };
  } catch (error) {
    return { error: `cannot resolve import "${path}" from node_modules: ${(error as Error).message}` };
  }
}

interface SolcOutput {
  errors?: { severity: 'error' | 'warning' | 'info'; formattedMessage: string }[];
  contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
}

async function runSolc(sources: Record<string, { content: string }>): Promise<Record<DemoContractName, CompiledContract>> {
  const solc = (await import('solc')).default;
  const input = { language: 'Solidity', sources, settings };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport })) as SolcOutput;
  const errors = (output.errors ?? []).filter((entry) => entry.severity === 'error');
  if (errors.length > 0) throw new ContractCompileError(errors.map((entry) => entry.formattedMessage));
  const result = {} as Record<DemoContractName, CompiledContract>;
  for (const name of demoContractNames) {
    const contract = output.contracts?.[`src/drill/contracts/${name}.sol`]?.[name];
    if (!contract) throw new ContractCompileError([`solc produced no output for ${name}`]);
    result[name] = { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
  }
  return result;
}

// One compile per cache key per process, even when callers race (e.g. parallel tests in one worker).
const inFlight = new Map<string, Promise<Record<DemoContractName, CompiledContract>>>();

/**
 * Compiles DemoToken and DemoVault, or reads them from the cache when nothing that affects the output
 * changed. Guarantees: the artifacts match the current sources, solc version, OpenZeppelin version and
 * settings; the cache file is written atomically (write + rename), so concurrent processes never read a
 * torn file. Throws {@link ContractCompileError} with solc's formatted messages on compile errors.
 *
 * @example
 * const { DemoVault } = await compileContracts();
 * await wallet.deployContract({ abi: DemoVault.abi, bytecode: DemoVault.bytecode, args: [token, admin, guardian] });
 */
export async function compileContracts(params: CompileContractsParameters = {}): Promise<CompileContractsReturnType> {
  const root = packageRoot();
  const sources = await readSources(root);
  const key = createHash('sha256')
    .update(JSON.stringify({ sources, solc: versionOf('solc'), openzeppelin: versionOf('@openzeppelin/contracts'), settings }))
    .digest('hex');
  const cacheDir = params.cacheDir ?? join(root, 'node_modules', '.cache', 'warden');
  const cacheFile = join(cacheDir, `contracts-${key}.json`);

  const cached = await readFile(cacheFile, 'utf8')
    .then((text) => JSON.parse(text) as Partial<Record<DemoContractName, CompiledContract>>)
    .catch(() => undefined); // missing, unreadable or torn: compile again
  if (cached && demoContractNames.every((name) => cached[name]?.bytecode?.startsWith('0x') && Array.isArray(cached[name]?.abi))) {
    return { ...(cached as Record<DemoContractName, CompiledContract>), fromCache: true, cacheFile };
  }

  let compiling = inFlight.get(cacheFile);
  if (!compiling) {
    compiling = runSolc(sources);
    inFlight.set(cacheFile, compiling);
  }
  try {
    const compiled = await compiling;
    await mkdir(cacheDir, { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, JSON.stringify(compiled));
    await rename(tmp, cacheFile);
    return { ...compiled, fromCache: false, cacheFile };
  } finally {
    inFlight.delete(cacheFile);
  }
}
