/**
 * The drill's config for a guardian mode, derived from the one config file (config/drill.yaml, or
 * `--config FILE`) rather than kept as a copy per mode: the YAML is parsed, `responders.safes` gains the
 * drill's Safe, `responders.pauses[0].via` routes the first pause step through it, and the result is
 * validated exactly like a file (parseConfigText), so a derived config can never skip a check.
 */
import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { ConfigError } from '../config/errors.js';
import { loadConfig, parseConfigText, type LoadedConfig } from '../config/load.js';
import { parseYaml } from '../config/yaml.js';
import type { DrillGuardian } from './guardian-modes.js';

export interface DrillConfigForGuardianParameters {
  /** The config file's text. */
  text: string;
  /** Named in errors. */
  file?: string;
  env: NodeJS.ProcessEnv;
  guardian: DrillGuardian;
}

/** Id of the drill's Safe in the derived config, per mode (what `via.safe` names). */
export const drillSafeIds = { safe: 'pause-safe', 'safe-module': 'protocol-safe', 'safe-propose': 'multisig' } as const;

/** What the derived config adds: the Safe entry and the route of the first pause step (undefined for eoa). */
export function guardianConfigPatch(guardian: DrillGuardian): { safe: Record<string, unknown>; via: Record<string, unknown> } | undefined {
  if (guardian.mode === 'eoa') return undefined;
  const safe = guardian.safe;
  if (!safe) throw new Error(`drill guardian mode ${guardian.mode} was set up without a Safe`);
  const id = drillSafeIds[guardian.mode];
  const entry: Record<string, unknown> = {
    id,
    chain: guardian.chainId,
    address: safe.address,
    // As a real deployment would pin it: the readiness checks report any change to the Safe.
    expect: { threshold: safe.threshold, owners: safe.owners, ...(guardian.module ? { modules: [guardian.module.address] } : {}) },
  };
  if (guardian.mode === 'safe-propose') {
    if (!guardian.service) throw new Error('drill guardian mode safe-propose was set up without a Transaction Service');
    entry.transactionService = { url: guardian.service.url, timeout: 5 };
  }
  const via: Record<string, unknown> =
    guardian.mode === 'safe-module'
      ? { mode: 'safe-module', safe: id, module: guardian.module!.address, roleKey: guardian.module!.roleName }
      : { mode: guardian.mode, safe: id };
  return { safe: entry, via };
}

/**
 * Parses and validates the config for `guardian.mode`; for eoa, the file as it is.
 * @throws ConfigError when the file has no pause step to route, or when the derived config is invalid.
 */
export function drillConfigForGuardian(params: DrillConfigForGuardianParameters): LoadedConfig {
  const { text, file, env, guardian } = params;
  const patch = guardianConfigPatch(guardian);
  if (!patch) return parseConfigText({ text, file, env });

  const raw = parseYaml({ text, file });
  const responders = isRecord(raw) && isRecord(raw.responders) ? raw.responders : undefined;
  const pauses = responders?.pauses;
  if (!responders || !Array.isArray(pauses) || !isRecord(pauses[0])) {
    const message = `--guardian ${guardian.mode} routes the first pause step through the drill's Safe, but the config has none: add a pause of the vault (see config/drill.yaml)`;
    throw new ConfigError([{ path: 'responders.pauses', message }], file);
  }
  const safes = Array.isArray(responders.safes) ? responders.safes : [];
  responders.safes = [...safes, patch.safe];
  pauses[0].via = patch.via;
  return parseConfigText({ text: stringify(raw), file: file ? `${file} (--guardian ${guardian.mode})` : undefined, env });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Loads the config file for `guardian.mode`: the file as it is for eoa, else derived from it. @throws ConfigError */
export async function loadDrillConfig(params: { path: string; env: NodeJS.ProcessEnv; guardian: DrillGuardian }): Promise<LoadedConfig> {
  if (params.guardian.mode === 'eoa') return loadConfig({ path: params.path, env: params.env });
  // Read through loadConfig's own checks first, so a missing or invalid file reads the same in every mode.
  await loadConfig({ path: params.path, env: params.env });
  const text = await readFile(params.path, 'utf8');
  return drillConfigForGuardian({ text, file: params.path, env: params.env, guardian: params.guardian });
}
