/**
 * Builds the detectors a config names. Every reference is checked here, once, at load time:
 * contract names exist, a detector's contracts share one chain, events exist in the ABIs,
 * conditions compile against the event's arguments, tokens have balanceOf. All problems are
 * reported together in ONE ConfigError, each with its path
 * (`detectors[2].params.where: column 8: unknown name "amout"; Withdraw has: user, amount`).
 */
import type { Address } from 'viem';
import type { Logger } from 'pino';
import type { ResolvedContract } from '../src/config/contracts.js';
import { ConfigError, type ConfigIssue } from '../src/config/errors.js';
import type { Config, DetectorConfig } from '../src/config/schema.js';
import { createAdminChangeDetector } from './admin-change.js';
import { createBalanceDropDetector } from './balance-drop.js';
import { createCallDetector } from './call.js';
import { createCustomDetector, type CustomDetectorModules } from './custom.js';
import { createEventDetector } from './event.js';
import { createInvariantDetector } from './invariant.js';
import { createOracleDeviationDetector } from './oracle-deviation.js';
import { createOutflowRateDetector } from './outflow-rate.js';
import type { Detector } from './types.js';

/** Detector kinds, with one line each for docs and `--help`. */
export const detectorKinds = [
  { kind: 'event', description: 'An event on given contracts, optionally filtered by a condition over its arguments.' },
  { kind: 'balance-drop', description: "A contract's ETH or ERC20 balance falls by more than a percentage or an amount within N blocks." },
  { kind: 'admin-change', description: 'Ownership, role, proxy upgrade, or pause changes not made by warden.' },
  { kind: 'call', description: 'A transaction to a watched contract calling a listed function (upgradeTo, setOracle, ...) from a sender outside an allowlist.' },
  { kind: 'invariant', description: 'A condition over view-call reads (vault.totalAssets() >= vault.totalSupply()) becomes false; checked every N blocks.' },
  { kind: 'outflow-rate', description: 'Net outflow of an ERC20 from a set of contracts within a sliding window exceeds a share of their holdings or an amount (ERC-7265 style).' },
  { kind: 'oracle-deviation', description: 'A price read deviates from a reference read (another oracle, a pool) by more than X%, or moves more than Y% in one block.' },
  { kind: 'custom', description: 'Your own TypeScript module made with defineDetector (detectors/define.ts), named in the config.' },
] as const satisfies readonly { kind: DetectorConfig['kind']; description: string }[];

export type DetectorKind = (typeof detectorKinds)[number]['kind'];

export interface CreateDetectorsParameters {
  config: Pick<Config, 'detectors'>;
  contracts: Map<string, ResolvedContract>;
  /** warden's guardian account(s): admin-change ignores Paused/Unpaused sent by them. */
  guardianAddresses?: Address[];
  /** Receives run-time condition errors of event detectors (they never throw). */
  log?: Logger;
  /** Modules of `custom` detectors, imported beforehand (loadConfig does: LoadedConfig.customDetectors). */
  customModules?: CustomDetectorModules;
}

export type CreateDetectorsErrorType = ConfigError;

/**
 * Builds every enabled detector (disabled ones are neither built nor checked).
 * Throws one ConfigError listing every issue.
 */
export function createDetectors(params: CreateDetectorsParameters): Detector[] {
  const issues: ConfigIssue[] = [];
  const detectors: Detector[] = [];
  const firstIndexById = new Map<string, number>();
  params.config.detectors.forEach((entry, index) => {
    const base = `detectors[${index}]`;
    const earlier = firstIndexById.get(entry.id);
    if (earlier !== undefined) {
      issues.push({ path: `${base}.id`, message: `duplicate detector id "${entry.id}" (also detectors[${earlier}]); ids must be unique` });
    } else firstIndexById.set(entry.id, index);
    if (!entry.enabled) return;
    const local: ConfigIssue[] = [];
    try {
      const detector = buildDetector(entry, params, local);
      if (detector) detectors.push(entry.mode === 'observe' ? { ...detector, mode: 'observe' } : detector);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      local.push(...error.issues);
    }
    issues.push(...local.map((issue) => ({ path: issue.path ? `${base}.${issue.path}` : base, message: issue.message })));
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return detectors;
}

/** Returns the detector, or undefined after pushing issues (paths relative to the entry). */
function buildDetector(entry: DetectorConfig, params: CreateDetectorsParameters, issues: ConfigIssue[]): Detector | undefined {
  const common = { id: entry.id, severity: entry.severity };
  switch (entry.kind) {
    case 'event': {
      const contracts = lookupContracts(entry.params.contracts, 'params.contracts', params.contracts, issues);
      const chainId = contracts && singleChain(contracts, 'params.contracts', issues);
      if (!contracts || chainId === undefined) return undefined;
      return createEventDetector({ ...common, chainId, contracts, event: entry.params.event, where: entry.params.where, log: params.log });
    }
    case 'admin-change': {
      const contracts = lookupContracts(entry.params.contracts, 'params.contracts', params.contracts, issues);
      const chainId = contracts && singleChain(contracts, 'params.contracts', issues);
      if (!contracts || chainId === undefined) return undefined;
      return createAdminChangeDetector({
        ...common,
        chainId,
        contracts,
        ignore: entry.params.ignore,
        guardianAddresses: params.guardianAddresses,
      });
    }
    case 'call': {
      const contracts = lookupContracts(entry.params.contracts, 'params.contracts', params.contracts, issues);
      const chainId = contracts && singleChain(contracts, 'params.contracts', issues);
      if (!contracts || chainId === undefined) return undefined;
      return createCallDetector({
        ...common,
        chainId,
        contracts,
        functions: entry.params.functions,
        allow: entry.params.allow as Address[],
        failed: entry.params.failed,
        guardianAddresses: params.guardianAddresses,
      });
    }
    case 'invariant':
      return createInvariantDetector({ ...common, contracts: params.contracts, ...entry.params });
    case 'custom': {
      const module = params.customModules?.get(entry.module);
      if (!module) {
        issues.push({ path: 'module', message: `module ${entry.module} was not loaded: load the config with loadConfig (it imports custom detector modules) and pass LoadedConfig.customDetectors as customModules` });
        return undefined;
      }
      const contracts = lookupContracts(entry.contracts, 'contracts', params.contracts, issues);
      const chainId = contracts && singleChain(contracts, 'contracts', issues);
      if (!contracts || chainId === undefined) return undefined;
      return createCustomDetector({ ...common, chainId, modulePath: entry.module, module, contracts, params: entry.params });
    }
    case 'oracle-deviation':
      return createOracleDeviationDetector({ ...common, contracts: params.contracts, ...entry.params });
    case 'outflow-rate': {
      const token = lookupContract(entry.params.token, 'params.token', params.contracts, issues);
      const holders = lookupContracts(entry.params.contracts, 'params.contracts', params.contracts, issues);
      if (!token || !holders) return undefined;
      const chainId = singleChain([token, ...holders], 'params.contracts', issues);
      if (chainId === undefined) return undefined;
      return createOutflowRateDetector({
        ...common,
        chainId,
        token,
        holders,
        windowBlocks: entry.params.windowBlocks,
        windowSeconds: entry.params.windowSeconds,
        maxOutflowPercent: entry.params.maxOutflowPercent,
        maxOutflow: entry.params.maxOutflow,
      });
    }
    case 'balance-drop': {
      const holder = lookupContract(entry.params.contract, 'params.contract', params.contracts, issues);
      const token =
        entry.params.token === undefined ? undefined : lookupContract(entry.params.token, 'params.token', params.contracts, issues);
      if (!holder || (entry.params.token !== undefined && !token)) return undefined;
      const chainId = singleChain(token ? [holder, token] : [holder], 'params.token', issues);
      if (chainId === undefined) return undefined;
      return createBalanceDropDetector({
        ...common,
        chainId,
        holder,
        token,
        dropPercent: entry.params.dropPercent,
        dropAmount: entry.params.dropAmount,
        windowBlocks: entry.params.windowBlocks,
      });
    }
  }
}

function lookupContracts(
  names: string[],
  path: string,
  contracts: Map<string, ResolvedContract>,
  issues: ConfigIssue[],
): ResolvedContract[] | undefined {
  const found = names.map((name, index) => lookupContract(name, `${path}[${index}]`, contracts, issues));
  return found.every((contract) => contract !== undefined) ? (found as ResolvedContract[]) : undefined;
}

function lookupContract(name: string, path: string, contracts: Map<string, ResolvedContract>, issues: ConfigIssue[]): ResolvedContract | undefined {
  const contract = contracts.get(name);
  if (!contract) {
    const known = [...contracts.keys()];
    issues.push({ path, message: `unknown contract "${name}"; ${known.length > 0 ? `contracts are: ${known.join(', ')}` : 'no contracts are defined'}` });
  }
  return contract;
}

/** A detector runs in one chain's block processor, so all its contracts must be on that chain. */
function singleChain(contracts: ResolvedContract[], path: string, issues: ConfigIssue[]): number | undefined {
  const chains = new Set(contracts.map((contract) => contract.chainId));
  if (chains.size === 1) return contracts[0]!.chainId;
  issues.push({
    path,
    message: `contracts are on different chains (${contracts.map((c) => `${c.name}: ${c.chainId}`).join(', ')}); a detector watches one chain, so split it into one detector per chain`,
  });
  return undefined;
}

export type { Detector } from './types.js';
