/**
 * `warden plan explain`: for each detector and each severity its anomalies can have, exactly which
 * steps the plan takes and who hears of it — computed with the same planActions the runner uses, so
 * the explanation cannot drift from what happens.
 */
import { severities, severityRank, type Severity } from '../../detectors/types.js';
import type { ResolvedContract } from '../config/contracts.js';
import type { Config } from '../config/schema.js';
import { describeWouldDo } from './dry-run.js';
import { livenessDetectorId, livenessSeverity } from '../liveness/monitor.js';
import { planActions, type PlanAction } from './match.js';
import { formatSeconds } from './paging.js';

export interface ExplainedStep {
  kind: 'pause' | 'notify' | 'page' | 'record';
  id?: string;
  dryRun: boolean;
  /** What it does, in one sentence. */
  text: string;
}

export interface ExplainedCase {
  /** Consecutive severities with the same steps, lowest first. */
  severities: Severity[];
  /** The detector's configured severity is among them. */
  configured: boolean;
  rules: string[];
  steps: ExplainedStep[];
  /** Channels and webhooks told at once (notify steps and paged roles), without dry runs. */
  hearsAtOnce: string[];
  /** Whether quiet hours can hold its pages (below critical, with quiet hours and a page step). */
  quietHoursApply: boolean;
}

export interface ExplainedDetector {
  id: string;
  kind: string;
  mode: 'act' | 'observe';
  severity: Severity;
  cases: ExplainedCase[];
}

export interface PlanExplanation {
  dryRun: boolean;
  cooldownSeconds: number;
  incidentWindowSeconds: number;
  roles: { id: string; channels: string[]; description?: string }[];
  escalation: { after: number; page: string[] }[];
  quietHours?: string;
  detectors: ExplainedDetector[];
}

/** The most severe `chains[].stallSeverity` (a stall is explained once, not per chain). */
function stallSeverity(config: Config): Severity {
  return config.chains.map((chain) => chain.stallSeverity ?? livenessSeverity).reduce((worst, severity) => (severityRank(severity) > severityRank(worst) ? severity : worst), livenessSeverity);
}

export function explainPlan(config: Config, contracts: Map<string, ResolvedContract>): PlanExplanation {
  const { plan } = config;
  const allRoles = plan.roles.map((role) => role.id);
  const subjects: { id: string; kind: string; mode: 'act' | 'observe'; severity: Severity }[] = [
    ...config.detectors.filter((detector) => detector.enabled).map((detector) => ({ id: detector.id, kind: detector.kind, mode: detector.mode, severity: detector.severity })),
    // warden's own readiness checks raise observe-mode anomalies of this id (never paused for).
    { id: 'readiness', kind: 'readiness', mode: 'observe' as const, severity: config.readiness.severity },
    // and a head that stops moving raises these (src/liveness/monitor.ts).
    { id: livenessDetectorId, kind: 'liveness', mode: 'observe' as const, severity: stallSeverity(config) },
  ];
  const detectors = subjects.map((subject) => {
    const cases: ExplainedCase[] = [];
    for (const severity of severities) {
      const { rules, actions } = planActions(config, { detectorId: subject.id, severity, mode: subject.mode });
      const steps = actions.map((action) => explainStep(action, config, contracts));
      const previous = cases.at(-1);
      if (previous && JSON.stringify(previous.steps) === JSON.stringify(steps)) {
        previous.severities.push(severity);
        previous.configured ||= severity === subject.severity;
        continue;
      }
      const hearsAtOnce = actions.flatMap((action) =>
        action.kind === 'notify' && !action.dryRun ? [action.notifyId] : action.kind === 'page' && !action.dryRun ? (plan.roles.find((role) => role.id === action.roleId)?.channels ?? []) : [],
      );
      cases.push({
        severities: [severity],
        configured: severity === subject.severity,
        rules: rules.map((rule) => rule.name ?? `plan.rules[${plan.rules.indexOf(rule)}]`),
        steps,
        hearsAtOnce: [...new Set(hearsAtOnce)],
        quietHoursApply: plan.quietHours !== undefined && severityRank(severity) < severityRank('critical') && actions.some((action) => action.kind === 'page' && !action.dryRun),
      });
    }
    return { ...subject, cases };
  });
  return {
    dryRun: plan.dryRun,
    cooldownSeconds: plan.cooldown,
    incidentWindowSeconds: plan.incidentWindow,
    roles: plan.roles.map((role) => ({ id: role.id, channels: role.channels, ...(role.description ? { description: role.description } : {}) })),
    escalation: plan.escalation.map((level) => ({ after: level.after, page: level.page === 'everyone' ? allRoles : level.page })),
    ...(plan.quietHours
      ? { quietHours: `${plan.quietHours.from}–${plan.quietHours.to} ${plan.quietHours.timezone}${plan.quietHours.days ? ` (starting ${plan.quietHours.days.join(', ')})` : ' (every day)'}` }
      : {}),
    detectors,
  };
}

function explainStep(action: PlanAction, config: Config, contracts: Map<string, ResolvedContract>): ExplainedStep {
  if (action.kind === 'record') return { kind: 'record', dryRun: false, text: 'open or join the incident record' };
  const id = action.kind === 'pause' ? action.targetId : action.kind === 'notify' ? action.notifyId : action.roleId;
  const text = describeWouldDo(action, config, contracts);
  return { kind: action.kind, id, dryRun: action.dryRun, text: action.dryRun ? `DRY RUN (recorded, nothing sent): ${text}` : text };
}

/** The explanation as text for a terminal. */
export function renderPlanExplanation(explanation: PlanExplanation): string {
  const lines: string[] = [];
  lines.push(`Plan: dry run ${explanation.dryRun ? 'ON (nothing is sent, every step is only recorded)' : 'off'}; cooldown ${formatSeconds(explanation.cooldownSeconds)}; incident window ${formatSeconds(explanation.incidentWindowSeconds)}`);
  if (explanation.roles.length > 0) {
    lines.push('', 'Roles:');
    for (const role of explanation.roles) lines.push(`  ${role.id}: ${role.channels.join(', ')}${role.description ? ` — ${role.description}` : ''}`);
  }
  if (explanation.escalation.length > 0) {
    lines.push('', 'Escalation (from the first page, unless someone acknowledges or resolves the incident):');
    for (const level of explanation.escalation) lines.push(`  after ${formatSeconds(level.after)}: page ${level.page.join(', ')}`);
  }
  if (explanation.quietHours) lines.push('', `Quiet hours ${explanation.quietHours}: pages and escalations below critical wait until they end; critical pages at once.`);
  for (const detector of explanation.detectors) {
    const note = detector.kind === 'readiness' ? "warden's own readiness checks" : detector.kind === 'liveness' ? "warden's own head-stall alarm" : `${detector.kind}, severity ${detector.severity}`;
    lines.push('', `${detector.id} (${note}${detector.mode === 'observe' ? ', observe: never paused for' : ''})`);
    for (const explained of detector.cases) {
      const range = explained.severities.length === 1 ? explained.severities[0]! : `${explained.severities[0]}–${explained.severities.at(-1)}`;
      const marker = explained.configured ? ' (configured)' : '';
      if (explained.steps.length === 0) {
        lines.push(`  ${range}${marker}: nothing — no rule matches, the anomaly is only logged`);
        continue;
      }
      lines.push(`  ${range}${marker}: rules ${explained.rules.join(', ')}`);
      explained.steps.forEach((step, index) => lines.push(`    ${index + 1}. ${step.text}`));
      lines.push(`    hears of it at once: ${explained.hearsAtOnce.length > 0 ? explained.hearsAtOnce.join(', ') : 'nobody'}${explained.quietHoursApply ? ' (pages wait out quiet hours)' : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
