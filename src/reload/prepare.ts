/**
 * Hot reload, the config side: from the running config and the file as it is now, the config to swap
 * in. Detectors, the plan and contracts are reloaded; every other section (chains, redis, http, log,
 * responders, readiness) keeps its running value until a restart, and is reported when it changed.
 *
 * The swapped-in config is checked as a whole (the same cross-checks as at load), so a new rule cannot
 * name a pause or channel the running responders do not have. Contracts a pause step calls must stay
 * where they are: the running pausers were built for those addresses.
 */
import { ConfigError } from '../config/errors.js';
import { checkReferences } from '../config/cross-checks.js';
import { formatPath } from '../config/errors.js';
import { resolveContracts } from '../config/contracts.js';
import type { LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';

/** The sections a reload swaps in. */
export const reloadedSections = ['detectors', 'plan', 'contracts'] as const;

export interface PreparedReload {
  /** The running config with the file's detectors, plan and contracts. */
  loaded: LoadedConfig;
  /** Reloaded sections that differ from the running ones. */
  changed: string[];
  /** Sections that differ in the file but need a restart; their running values are kept. */
  needsRestart: string[];
}

/** @throws ConfigError naming each problem (path-qualified), with nothing swapped. */
export function prepareReload(params: { running: LoadedConfig; next: LoadedConfig }): PreparedReload {
  const { running, next } = params;
  const config: Config = { ...running.config, detectors: next.config.detectors, plan: next.config.plan, contracts: next.config.contracts };

  const issues = checkReferences({ config }).map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
  for (const [index, pause] of running.config.responders.pauses.entries()) {
    const before = running.contracts.get(pause.contract);
    const after = next.contracts.get(pause.contract);
    if (!before) continue;
    if (!after) {
      issues.push({ path: 'contracts', message: `responders.pauses[${index}] (${pause.id}) calls contract "${pause.contract}", which the file no longer has; pause targets change only with a restart` });
    } else if (after.address !== before.address || after.chainId !== before.chainId) {
      issues.push({
        path: 'contracts',
        message: `contract "${pause.contract}" moved (${before.address} on chain ${before.chainId} → ${after.address} on chain ${after.chainId}) but responders.pauses[${index}] (${pause.id}) calls it; pause targets change only with a restart`,
      });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues, next.file);

  const sections = Object.keys({ ...running.config, ...next.config }) as (keyof Config)[];
  const differs = (key: keyof Config) => stableJson(running.config[key]) !== stableJson(next.config[key]);
  return {
    loaded: { config, contracts: resolveContracts(config), file: next.file ?? running.file },
    changed: reloadedSections.filter(differs),
    needsRestart: sections.filter((key) => !(reloadedSections as readonly string[]).includes(key) && differs(key)),
  };
}

/** JSON with bigints (amounts) as strings: enough to tell whether a section changed. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'bigint' ? `${inner}n` : inner)) ?? 'undefined';
}
