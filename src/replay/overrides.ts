/**
 * `--set detectors.ID.params.X=VALUE` for `warden replay`: each override is written into the config's
 * YAML (the detector found by id), and the edited text goes through the normal loader — the same zod
 * schema, cross-checks and detector build as the daemon's — so a bad value fails exactly as it would in
 * the file, with its path, and the message says which --set put it there.
 *
 * The YAML is edited with every scalar kept as written (failsafe schema), so addresses, big amounts and
 * `${VAR}` references reach the loader untouched; VALUE is YAML too (`5`, `true`, `"1_000e18"`, `[a, b]`).
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isMap, isSeq, parseDocument } from 'yaml';
import { loadCustomDetectorModules } from '../../detectors/custom.js';
import { ConfigError } from '../config/errors.js';
import { parseConfigText, type LoadedConfig } from '../config/load.js';

export interface DetectorOverride {
  /** As given: `detectors.ID.params.X=VALUE`. */
  text: string;
  detectorId: string;
  /** Path inside the detector entry, e.g. ['params', 'dropPercent']. */
  path: string[];
  value: string;
}

/** A --set that cannot be applied (malformed, or naming a detector that does not exist). */
export class OverrideError extends Error {
  override name = 'OverrideError';
}

/** Parses `detectors.ID.path=VALUE`. Throws OverrideError naming what is wrong. */
export function parseOverride(text: string): DetectorOverride {
  const eq = text.indexOf('=');
  const example = 'expected detectors.<id>.<field>=<value>, e.g. detectors.vault-drain.params.dropPercent=10';
  if (eq <= 0) throw new OverrideError(`--set ${text}: no "=": ${example}`);
  const parts = text.slice(0, eq).trim().split('.');
  const value = text.slice(eq + 1);
  if (parts[0] !== 'detectors' || parts.length < 3 || parts.some((part) => part === '')) {
    throw new OverrideError(`--set ${text}: ${example} (only detector fields can be set)`);
  }
  if (value.trim() === '') throw new OverrideError(`--set ${text}: no value after "="; ${example}`);
  return { text, detectorId: parts[1]!, path: parts.slice(2), value };
}

export interface LoadedWithOverrides {
  loaded: LoadedConfig;
  /** Adds "(from --set ...)" to the issues an override caused — for ConfigErrors raised later (the detector build). */
  annotate(error: ConfigError): ConfigError;
}

/** Loads the config file with the overrides applied. Throws OverrideError or ConfigError. */
export async function loadConfigWithOverrides(params: { path: string; overrides: DetectorOverride[]; env?: NodeJS.ProcessEnv }): Promise<LoadedWithOverrides> {
  let text: string;
  try {
    text = await readFile(params.path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ConfigError([{ path: '', message: `cannot read the config: ${reason}` }], params.path);
  }
  const same = (error: ConfigError) => error;
  if (params.overrides.length === 0) return { loaded: await withCustomModules(parseConfigText({ text, file: params.path, env: params.env }), params.path), annotate: same };

  const document = parseDocument(text, { schema: 'failsafe' });
  // A syntax error is the loader's to report, with its line and column.
  if (document.errors.length > 0) return { loaded: await withCustomModules(parseConfigText({ text, file: params.path, env: params.env }), params.path), annotate: same };
  const detectors = document.get('detectors');
  const ids = isSeq(detectors) ? detectors.items.map((item) => (isMap(item) ? String(item.get('id') ?? '') : '')) : [];
  const applied: { prefix: string; text: string }[] = [];
  for (const override of params.overrides) {
    const index = ids.indexOf(override.detectorId);
    if (index < 0) {
      throw new OverrideError(
        `--set ${override.text}: no detector "${override.detectorId}" in ${params.path}; ${ids.length > 0 ? `detectors are: ${ids.join(', ')}` : 'it has no detectors'}`,
      );
    }
    const value = parseDocument(override.value, { schema: 'failsafe' });
    if (value.errors.length > 0) throw new OverrideError(`--set ${override.text}: the value is not valid YAML: ${value.errors[0]!.message.split('\n')[0]}`);
    document.setIn(['detectors', index, ...override.path], value.contents);
    applied.push({ prefix: `detectors[${index}].${override.path.join('.')}`, text: override.text });
  }
  // Say which --set caused an issue (an unknown key is reported at its parent's path, so match both ways).
  const annotate = (error: ConfigError): ConfigError => {
    const issues = error.issues.map((issue) => {
      const source = applied.find(
        (a) =>
          issue.path === a.prefix ||
          issue.path.startsWith(`${a.prefix}.`) ||
          issue.path.startsWith(`${a.prefix}[`) ||
          (issue.path !== '' && a.prefix.startsWith(`${issue.path}.`)),
      );
      return source ? { ...issue, message: `${issue.message} (from --set ${source.text})` } : issue;
    });
    return new ConfigError(issues, error.file);
  };
  try {
    return { loaded: await withCustomModules(parseConfigText({ text: document.toString(), file: params.path, env: params.env }), params.path), annotate };
  } catch (error) {
    throw error instanceof ConfigError ? annotate(error) : error;
  }
}

/** Imports the modules of `custom` detectors, as loadConfig does (paths relative to the config file). */
async function withCustomModules(loaded: LoadedConfig, path: string): Promise<LoadedConfig> {
  try {
    const customDetectors = await loadCustomDetectorModules({ detectors: loaded.config.detectors, baseDir: dirname(resolve(path)) });
    return { ...loaded, customDetectors };
  } catch (error) {
    throw error instanceof ConfigError ? new ConfigError(error.issues, path) : error;
  }
}
