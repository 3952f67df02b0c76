/**
 * Loads a warden config: YAML → `${VAR}` interpolation → inline-key scan → zod validation →
 * cross-reference checks → resolved contracts. Every problem found is reported in one ConfigError,
 * each naming its path (`chains[0].rpc.http[0]: ...`) and what would be valid.
 *
 * @example
 * const { config, contracts } = await loadConfig({ path: 'config/drill.yaml' });
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { loadCustomDetectorModules, type CustomDetectorModules } from '../../detectors/custom.js';
import type { ResolvedContract } from './contracts.js';
import { resolveContracts } from './contracts.js';
import { checkReferences } from './cross-checks.js';
import { ConfigError, formatPath, type ConfigIssue } from './errors.js';
import { interpolateEnv, type ConfigPath, type PathIssue } from './interpolate.js';
import { configSchema, type Config } from './schema.js';
import { findInlineKeys } from './secrets.js';
import { parseYaml } from './yaml.js';
import { describeZodIssues } from './zod-issues.js';

export interface LoadedConfig {
  config: Config;
  /** By contract name, with parsed ABIs and checksummed addresses. */
  contracts: Map<string, ResolvedContract>;
  /** The file it came from, when loaded from one. */
  file?: string;
  /** Modules of `custom` detectors, imported by loadConfig (parseConfigText, being synchronous, leaves this unset). */
  customDetectors?: CustomDetectorModules;
}

export interface LoadConfigParameters {
  path: string;
  /** Source of `${VAR}` values; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface ParseConfigTextParameters {
  text: string;
  /** Named in errors. */
  file?: string;
  /** Source of `${VAR}` values; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Every failure, unreadable file included, is a ConfigError. */
export type LoadConfigErrorType = ConfigError;

/**
 * Reads and validates a config file, and imports the modules of its `custom` detectors.
 * @throws ConfigError with every issue found; the file's own read error (ENOENT, ...) as a ConfigError too.
 */
export async function loadConfig({ path, env }: LoadConfigParameters): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ConfigError([{ path: '', message: `cannot read the config: ${reason}` }], path);
  }
  const loaded = parseConfigText({ text, file: path, env });
  try {
    const customDetectors = await loadCustomDetectorModules({ detectors: loaded.config.detectors, baseDir: dirname(resolve(path)) });
    return { ...loaded, customDetectors };
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(error.issues, path);
    throw error;
  }
}

/**
 * Validates config text. Never returns a partially valid config.
 * Guarantees: no value from the environment can add YAML structure; no error message repeats
 * anything that looks like a private key, nor a value that came from the environment.
 * @throws ConfigError listing every issue, in document order per stage.
 */
export function parseConfigText({ text, file, env = process.env }: ParseConfigTextParameters): LoadedConfig {
  const raw = parseYaml({ text, file });
  if (raw === null || raw === undefined) {
    throw new ConfigError([{ path: '', message: 'the config is empty; start from config/example.yaml' }], file);
  }
  const interpolated = interpolateEnv({ value: raw, env });
  const keyIssues = findInlineKeys({ raw, interpolated });
  const earlyIssues = [...interpolated.issues, ...keyIssues];

  const parsed = configSchema.safeParse(interpolated.value);
  if (!parsed.success) {
    // An issue at a path we already reported (missing variable, inline key) would only repeat it.
    const reported = earlyIssues.map((issue) => issue.path);
    const schemaIssues = describeZodIssues({
      issues: parsed.error.issues,
      input: interpolated.value,
      schema: configSchema,
      fromEnvironment: interpolated.references,
    }).filter(
      (issue) => !reported.some((path) => isWithin(issue.unknownKeyPath ?? issue.path, path)),
    );
    throw configError([...earlyIssues, ...schemaIssues], file);
  }
  if (earlyIssues.length > 0) throw configError(earlyIssues, file);

  const config = parsed.data;
  const referenceIssues: ConfigIssue[] = checkReferences({ config }).map(toConfigIssue);
  let contracts = new Map<string, ResolvedContract>();
  try {
    contracts = resolveContracts(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    referenceIssues.push(...error.issues);
  }
  if (referenceIssues.length > 0) throw new ConfigError(referenceIssues, file);
  return { config, contracts, file };
}

function configError(issues: PathIssue[], file: string | undefined): ConfigError {
  return new ConfigError(issues.map(toConfigIssue), file);
}

function toConfigIssue(issue: PathIssue): ConfigIssue {
  return { path: formatPath(issue.path), message: issue.message };
}

function isWithin(path: ConfigPath, ancestor: ConfigPath): boolean {
  return ancestor.length <= path.length && ancestor.every((part, index) => part === path[index]);
}
