/**
 * Dry-run steps (plan.dryRun, or a step's own `dryRun: true`): record in the incident and log what
 * each step would have done — the pause call with its route, the channels a notification or page
 * would reach, the escalation it would arm — and send nothing.
 */
import type { Logger } from 'pino';
import type { Anomaly } from '../../detectors/types.js';
import type { ResolvedContract } from '../config/contracts.js';
import type { Config } from '../config/schema.js';
import { timelineEntry, type IncidentStore } from '../incidents/types.js';
import type { PlanAction } from './match.js';
import { formatSeconds } from './paging.js';

/** One sentence per dry-run action: what it would do, for the timeline, the log and `plan explain`. */
export function describeWouldDo(action: Exclude<PlanAction, { kind: 'record' }>, config: Config, contracts: Map<string, ResolvedContract>): string {
  if (action.kind === 'pause') {
    const target = config.responders.pauses.find((pause) => pause.id === action.targetId);
    if (!target) return `pause ${action.targetId} (not configured)`;
    const contract = contracts.get(target.contract);
    const via = target.via.mode === 'eoa' ? 'the guardian key' : `${target.via.mode} ${target.via.safe}`;
    const args = target.args.length > 0 ? ` with args ${JSON.stringify(target.args)}` : '';
    return `pause ${action.targetId}: call ${target.function}${args} on ${target.contract}${contract ? ` (${contract.address})` : ''} through ${via}`;
  }
  if (action.kind === 'notify') return `notify ${action.notifyId}`;
  const role = config.plan.roles.find((candidate) => candidate.id === action.roleId);
  const escalation = config.plan.escalation.map(
    (level) => `after ${formatSeconds(level.after)} page ${level.page === 'everyone' ? 'everyone' : level.page.join(', ')}`,
  );
  return `page ${action.roleId} through ${role?.channels.join(', ') ?? '(no such role)'}${escalation.length > 0 ? `, then unless acknowledged: ${escalation.join('; ')}` : ''}`;
}

export async function recordDryRuns(params: {
  actions: PlanAction[];
  config: Config;
  contracts: Map<string, ResolvedContract>;
  incidents: IncidentStore;
  incidentId: string;
  anomaly: Anomaly;
  log: Logger;
}): Promise<void> {
  for (const action of params.actions) {
    if (action.kind === 'record' || !action.dryRun) continue;
    const would = describeWouldDo(action, params.config, params.contracts);
    const id = action.kind === 'pause' ? action.targetId : action.kind === 'notify' ? action.notifyId : action.roleId;
    const added = await params.incidents.append({
      incidentId: params.incidentId,
      entry: timelineEntry('dry-run', { step: action.kind, id, would, anomalyId: params.anomaly.id }),
      onceKey: `dry-run:${action.kind}:${id}:${params.anomaly.id}`,
    });
    if (added) params.log.warn({ step: action.kind, id }, `dry run, nothing sent: would ${would}`);
  }
}
