/**
 * Compiles the drill's contracts (src/drill/contracts/*.sol: the demo protocol and the PauseRolesModule
 * fixture) with solc-js, resolving package imports (`@openzeppelin/...`, `@gnosis.pm/...`) from
 * node_modules, and caches the artifacts on disk.
 *
 * Why a disk cache: loading solc-js (an 8 MB emscripten module) and compiling OpenZeppelin takes
 * seconds; tests and drills call this often. The cache key covers everything that changes the output
 * (our sources, the versions of solc and of every package the sources import, the compiler settings),
 * so a stale artifact is never served; solc itself is only imported on a cache miss.
 */
import { packageRoot } from '../paths.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Abi, Hex } from 'viem';

const require = createRequire(import.meta.url);

/** The contracts the drill deploys, by name (each in src/drill/contracts/<name>.sol). */
export const drillContractNames = ['DemoToken', 'DemoVault', 'PauseRolesModule'] as const;
export type DrillContractName = (typeof drillContractNames)[number];

/**
 * Every package whose Solidity the sources import, directly or through another package: their versions
 * are part of the cache key. PauseRolesModule imports Zodiac's Module.sol, which imports the Safe 1.3.0
 * Enum from @gnosis.pm/safe-contracts and OpenZeppelin's upgradeable Ownable.
 */
const solidityPackages = [
  '@openzeppelin/contracts',
  '@openzeppelin/contracts-upgradeable',
  '@gnosis.pm/zodiac',
  '@gnosis.pm/safe-contracts',
] as const;

export interface CompiledContract {
  abi: Abi;
  /** Creation bytecode, 0x-prefixed. */
  bytecode: Hex;
}

export type CompileContractsReturnType = Record<DrillContractName, CompiledContract> & {
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

/**
 * The directory of an installed package, searched the way Node searches node_modules but ignoring the
 * package's `exports` map, which hides the Solidity sources (and package.json) of e.g. @gnosis.pm/zodiac.
 */
function packageDir(name: string): string {
  for (const dir of require.resolve.paths(name) ?? []) {
    const candidate = join(dir, name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
  }
  throw new Error(`package ${name} is not installed (looked in node_modules from ${packageRoot()} up); run \`npm ci\``);
}

function versionOf(pkg: string): string {
  return (JSON.parse(readFileSync(join(packageDir(pkg), 'package.json'), 'utf8')) as { version: string }).version;
}

async function readSources(root: string): Promise<Record<string, { content: string }>> {
  const sources: Record<string, { content: string }> = {};
  for (const name of drillContractNames) {
    const path = `src/drill/contracts/${name}.sol`;
    sources[path] = { content: await readFile(join(root, path), 'utf8') };
  }
  return sources;
}

/**
 * solc's import callback: a package path (`@scope/name/dir/File.sol` or `name/dir/File.sol`) read from
 * that package's directory in node_modules. solc hands relative imports inside a package
 * (`../factory/FactoryFriendly.sol`) over already joined to the importing file's package path.
 */
function findImport(path: string, imported: Set<string>): { contents: string } | { error: string } {
  try {
    const parts = path.split('/');
    const nameLength = path.startsWith('@') ? 2 : 1;
    const name = parts.slice(0, nameLength).join('/');
    imported.add(name);
    return { contents: readFileSync(join(packageDir(name), ...parts.slice(nameLength)), 'utf8') };
  } catch (error) {
    return { error: `cannot resolve import "${path}" from node_modules: ${(error as Error).message}` };
  }
}

interface SolcOutput {
  errors?: { severity: 'error' | 'warning' | 'info'; formattedMessage: string }[];
  contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
}

async function runSolc(sources: Record<string, { content: string }>): Promise<Record<DrillContractName, CompiledContract>> {
  const solc = (await import('solc')).default;
  const input = { language: 'Solidity', sources, settings };
  const imported = new Set<string>();
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: (path: string) => findImport(path, imported) })) as SolcOutput;
  const errors = (output.errors ?? []).filter((entry) => entry.severity === 'error');
  if (errors.length > 0) throw new ContractCompileError(errors.map((entry) => entry.formattedMessage));
  // A package missing from the cache key would let a later upgrade of it serve stale artifacts.
  const unkeyed = [...imported].filter((name) => !(solidityPackages as readonly string[]).includes(name));
  if (unkeyed.length > 0) {
    throw new ContractCompileError([`the contracts import ${unkeyed.join(', ')}: add it to solidityPackages in src/drill/compile.ts (its version belongs in the cache key)`]);
  }
  const result = {} as Record<DrillContractName, CompiledContract>;
  for (const name of drillContractNames) {
    const contract = output.contracts?.[`src/drill/contracts/${name}.sol`]?.[name];
    if (!contract) throw new ContractCompileError([`solc produced no output for ${name}`]);
    result[name] = { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
  }
  return result;
}

// One compile per cache key per process, even when callers race (e.g. parallel tests in one worker).
const inFlight = new Map<string, Promise<Record<DrillContractName, CompiledContract>>>();

/**
 * Compiles DemoToken, DemoVault and PauseRolesModule, or reads them from the cache when nothing that
 * affects the output changed. Guarantees: the artifacts match the current sources, the versions of solc
 * and of every imported package, and the settings; the cache file is written atomically (write +
 * rename), so concurrent processes never read a torn file. Throws {@link ContractCompileError} with solc's formatted messages on compile errors.
 *
 * @example
 * const { DemoVault } = await compileContracts();
 * await wallet.deployContract({ abi: DemoVault.abi, bytecode: DemoVault.bytecode, args: [token, admin, guardian] });
 */
export async function compileContracts(params: CompileContractsParameters = {}): Promise<CompileContractsReturnType> {
  const root = packageRoot();
  const sources = await readSources(root);
  const key = createHash('sha256')
    .update(JSON.stringify({ sources, solc: versionOf('solc'), packages: solidityPackages.map((pkg) => [pkg, versionOf(pkg)]), settings }))
    .digest('hex');
  const cacheDir = params.cacheDir ?? join(root, 'node_modules', '.cache', 'warden');
  const cacheFile = join(cacheDir, `contracts-${key}.json`);

  const cached = await readFile(cacheFile, 'utf8')
    .then((text) => JSON.parse(text) as Partial<Record<DrillContractName, CompiledContract>>)
    .catch(() => undefined); // missing, unreadable or torn: compile again
  if (cached && drillContractNames.every((name) => cached[name]?.bytecode?.startsWith('0x') && Array.isArray(cached[name]?.abi))) {
    return { ...(cached as Record<DrillContractName, CompiledContract>), fromCache: true, cacheFile };
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
