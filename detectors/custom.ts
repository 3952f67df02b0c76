/**
 * `custom` detectors: a TypeScript module named in the config (`module: ./detectors/my-detector.ts`,
 * relative to the config file) that exports `defineDetector({...})`.
 *
 * Loading is a separate async step (`loadCustomDetectorModules`, run by loadConfig) because it
 * imports; building stays synchronous (`createCustomDetector`, run by createDetectors) and checks
 * the params against the module's schema. Both fail with ConfigError naming the entry:
 * a missing file, a module that throws on import or exports no detector, invalid params.
 *
 * Modules are imported natively (warden runs under tsx, and vitest, which both import .ts); a
 * compiled warden (plain node) falls back to tsx's `tsImport` for .ts files.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Hex } from 'viem';
import type { ResolvedContract } from '../src/config/contracts.js';
import { ConfigError, type ConfigIssue } from '../src/config/errors.js';
import { isCustomDetectorModule, type CustomDetectorModule, type CustomDetectorSetup } from './define.js';
import type { Detector, DetectorState, Severity } from './types.js';

/** Loaded modules by `module` as written in the config. */
export type CustomDetectorModules = Map<string, CustomDetectorModule>;

/**
 * Imports the module of every enabled `custom` detector (each distinct path once).
 * @throws ConfigError listing every module that could not be loaded, at `detectors[i].module`.
 */
export async function loadCustomDetectorModules(params: {
  detectors: readonly { kind: string; enabled?: boolean; module?: string }[];
  /** Directory of the config file; module paths are relative to it. */
  baseDir: string;
}): Promise<CustomDetectorModules> {
  const modules: CustomDetectorModules = new Map();
  const issues: ConfigIssue[] = [];
  for (const [index, entry] of params.detectors.entries()) {
    if (entry.kind !== 'custom' || entry.enabled === false || !entry.module || modules.has(entry.module)) continue;
    const loaded = await loadOne(entry.module, params.baseDir);
    if (typeof loaded === 'string') issues.push({ path: `detectors[${index}].module`, message: loaded });
    else modules.set(entry.module, loaded);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return modules;
}

/** The module's detector, or a message saying what is wrong and how to fix it. */
async function loadOne(modulePath: string, baseDir: string): Promise<CustomDetectorModule | string> {
  const file = isAbsolute(modulePath) ? modulePath : resolve(baseDir, modulePath);
  if (!existsSync(file)) return `module file not found: ${file} (paths are relative to the config file's directory, ${baseDir})`;
  let exports: Record<string, unknown>;
  try {
    exports = await importModule(file);
  } catch (error) {
    return `cannot load ${modulePath}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  }
  const found = isCustomDetectorModule(exports.default) ? exports.default : isCustomDetectorModule(exports.detector) ? exports.detector : undefined;
  if (found) return found;
  const names = Object.keys(exports).sort();
  return `${modulePath} does not export a detector: write \`export default defineDetector({ ... })\` (defineDetector is in detectors/define.ts); it exports ${names.length > 0 ? names.join(', ') : 'nothing'}`;
}

async function importModule(file: string): Promise<Record<string, unknown>> {
  // The modification time in the URL: a hot reload after the file changed imports the new code
  // (ESM caches modules by URL), an unchanged file is not imported twice.
  const url = `${pathToFileURL(file).href}?mtime=${Math.round(statSync(file).mtimeMs)}`;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  }
}

export interface CustomDetectorParameters {
  id: string;
  severity: Severity;
  chainId: number;
  /** The module path as written (for messages and evidence). */
  modulePath: string;
  module: CustomDetectorModule;
  contracts: ResolvedContract[];
  params: Record<string, unknown>;
}

/** Builds the detector. Throws ConfigError at `params.<key>` when the params fail the module's schema. */
export function createCustomDetector(input: CustomDetectorParameters): Detector {
  const definition = input.module;
  let params: unknown = input.params;
  if (definition.params) {
    const parsed = definition.params.safeParse(input.params);
    if (!parsed.success) {
      throw new ConfigError(
        parsed.error.issues.map((issue) => ({
          path: ['params', ...issue.path.map(String)].join('.'),
          message: `${issue.message} (checked by ${input.modulePath})`,
        })),
      );
    }
    params = parsed.data;
  }
  const setup: CustomDetectorSetup<unknown> = {
    id: input.id,
    chainId: input.chainId,
    params,
    contracts: Object.fromEntries(input.contracts.map((contract) => [contract.name, contract])),
  };
  return {
    id: input.id,
    kind: 'custom',
    severity: input.severity,
    chainId: input.chainId,
    watchedAddresses: input.contracts.map((contract) => contract.address),
    ...(definition.eventAbis.length > 0 ? { events: definition.eventAbis } : {}),
    ...(definition.reads ? { reads: (block) => definition.reads!(block, setup) } : {}),
    onBlock: (ctx, state) => definition.onBlock(ctx, state, setup),
    ...(definition.onReorg ? { onReorg: (dropped: Hex[], state: DetectorState) => definition.onReorg!(dropped, state, setup) } : {}),
  };
}
