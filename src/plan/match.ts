/**
 * Which plan steps an anomaly gets, and which protocol (hence incident) it belongs to.
 * Pure functions of the config: easy to test, no I/O.
 */
import { severityRank, type Anomaly } from '../../detectors/types.js';
import type { ResolvedContract } from '../config/contracts.js';
import type { Config, DetectorConfig, PlanRule, PlanStep } from '../config/schema.js';

/** One step the plan takes for an anomaly. `dryRun`: record and print what it would do, send nothing. */
export type PlanAction =
  | { kind: 'pause'; targetId: string; dryRun: boolean }
  | { kind: 'notify'; notifyId: string; dryRun: boolean }
  | { kind: 'page'; roleId: string; dryRun: boolean }
  | { kind: 'record' };

/** A rule matches when every criterion it sets matches (detector ids AND minimum severity). */
export function ruleMatches(rule: PlanRule, anomaly: Pick<Anomaly, 'detectorId' | 'severity'>): boolean {
  const byDetector = rule.match.detectors === undefined || rule.match.detectors.includes(anomaly.detectorId);
  const bySeverity = rule.match.minSeverity === undefined || severityRank(anomaly.severity) >= severityRank(rule.match.minSeverity);
  return byDetector && bySeverity;
}

/**
 * The steps of all matching rules, in rule order, each distinct step once (a dry run only if every
 * rule naming it says so). An anomaly in 'observe' mode takes no pause step.
 */
export function planActions(
  config: { plan: Pick<Config['plan'], 'rules'> & { dryRun?: boolean } },
  anomaly: Pick<Anomaly, 'detectorId' | 'severity' | 'mode'>,
): { rules: PlanRule[]; actions: PlanAction[] } {
  const rules = config.plan.rules.filter((rule) => ruleMatches(rule, anomaly));
  const planDryRun = config.plan.dryRun ?? false;
  const byKey = new Map<string, PlanAction>();
  for (const step of rules.flatMap((rule) => rule.steps)) {
    const action = stepAction(step, planDryRun);
    const key = action.kind === 'pause' ? `pause:${action.targetId}` : action.kind === 'notify' ? `notify:${action.notifyId}` : action.kind === 'page' ? `page:${action.roleId}` : 'record';
    const earlier = byKey.get(key);
    if (earlier && 'dryRun' in earlier && 'dryRun' in action) earlier.dryRun &&= action.dryRun;
    if (earlier) continue;
    if (action.kind === 'pause' && anomaly.mode === 'observe') continue;
    byKey.set(key, action);
  }
  return { rules, actions: [...byKey.values()] };
}

function stepAction(step: PlanStep, planDryRun: boolean): PlanAction {
  if (typeof step === 'string') return { kind: 'record' };
  const dryRun = step.dryRun ?? planDryRun;
  if ('pause' in step) return { kind: 'pause', targetId: step.pause, dryRun };
  if ('notify' in step) return { kind: 'notify', notifyId: step.notify, dryRun };
  return { kind: 'page', roleId: step.page, dryRun };
}

/** Contract names a detector is configured to watch (for expression kinds: the contracts its reads call). */
export function detectorContractNames(detector: DetectorConfig | undefined): string[] {
  if (!detector) return [];
  switch (detector.kind) {
    case 'balance-drop':
      return [detector.params.contract];
    case 'outflow-rate':
      return [...detector.params.contracts, detector.params.token];
    case 'invariant':
      return calledContracts(detector.params.expression);
    case 'oracle-deviation':
      return calledContracts(`${detector.params.price} ${detector.params.reference ?? ''}`);
    default:
      // A custom detector's own `contracts` first: its `params` are the user's and may use any key.
      return 'contracts' in detector ? [...(detector.contracts as string[])] : 'contracts' in detector.params ? [...(detector.params.contracts as string[])] : [];
  }
}

/** `name` of every `name.fn(` in an expression; callers keep those that are configured contracts. */
function calledContracts(expression: string): string[] {
  return [...new Set([...expression.matchAll(/\b([A-Za-z][A-Za-z0-9_-]*)\s*\.\s*[A-Za-z_]\w*\s*\(/g)].map((match) => match[1]!))];
}

/**
 * The protocol and contracts an anomaly is about: the detector's contracts whose addresses the
 * anomaly names, else all the detector's contracts. Addresses that are not the detector's own
 * contracts are ignored: they come from chain data, which an attacker may shape to pull the
 * anomaly into another protocol's incident.
 */
export function anomalySubject(params: {
  config: Pick<Config, 'detectors'>;
  contracts: Map<string, ResolvedContract>;
  anomaly: Anomaly;
}): { protocol: string; contracts: string[] } {
  const { anomaly } = params;
  if (anomaly.kind === 'readiness') {
    // warden raises these itself (no chain data chooses the addresses): the pause targets or Safe checked.
    const named = new Set(anomaly.addresses.map((address) => address.toLowerCase()));
    const concerned = [...params.contracts.values()].filter((contract) => named.has(contract.address.toLowerCase()));
    if (concerned.length > 0) return { protocol: concerned[0]!.protocol, contracts: concerned.map((contract) => contract.name) };
    return { protocol: 'warden-readiness', contracts: [] };
  }
  // warden's own head-stall anomaly (src/liveness): about the chain, not a protocol.
  if (anomaly.kind === 'liveness') return { protocol: 'warden-liveness', contracts: [] };
  const detector = params.config.detectors.find((d) => d.id === anomaly.detectorId);
  const own = detectorContractNames(detector)
    .map((name) => params.contracts.get(name))
    .filter((contract): contract is ResolvedContract => contract !== undefined);
  const named = new Set(anomaly.addresses.map((address) => address.toLowerCase()));
  const involved = own.filter((contract) => named.has(contract.address.toLowerCase()));
  const chosen = involved.length > 0 ? involved : own;
  if (chosen.length === 0) return { protocol: `detector-${anomaly.detectorId}`, contracts: [] };
  return { protocol: chosen[0]!.protocol, contracts: chosen.map((contract) => contract.name) };
}
