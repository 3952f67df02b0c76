/**
 * The plan's references: rule detectors, pause and notify targets, roles and their channels,
 * escalation levels. Called by checkReferences (cross-checks.ts), which reports every issue at once.
 */
import type { Config } from './schema.js';
import type { ConfigPath } from './interpolate.js';
import { unknownName } from './suggest.js';

/**
 * Adds an issue for every dangling reference in `plan`; returns the path of the first pause step
 * that really pauses (not a dry run), which needs a guardian.
 */
export function checkPlanReferences(config: Config, add: (path: ConfigPath, message: string) => void): ConfigPath | undefined {
  const { plan } = config;
  const pauseIds = config.responders.pauses.map((pause) => pause.id);
  const notifyIds = [...config.responders.channels.map((channel) => channel.id), ...config.responders.webhooks.map((hook) => hook.id)];
  const roleIds = plan.roles.map((role) => role.id);
  // `readiness` names the anomalies of the readiness checks (src/readiness/monitor.ts), `liveness` head stalls (src/liveness/monitor.ts).
  const detectorIds = config.detectors.map((detector) => detector.id);
  config.detectors.forEach((detector, index) => {
    if (detector.id === 'readiness') add(['detectors', index, 'id'], 'the id "readiness" is reserved for the readiness checks\' anomalies; rename this detector');
    if (detector.id === 'liveness') add(['detectors', index, 'id'], 'the id "liveness" is reserved for head-stall anomalies (docs/reliability.md); rename this detector');
  });

  const firstRole = new Map<string, number>();
  plan.roles.forEach((role, index) => {
    const path: ConfigPath = ['plan', 'roles', index];
    const earlier = firstRole.get(role.id);
    if (earlier !== undefined) add([...path, 'id'], `duplicate role id ${JSON.stringify(role.id)} (also at plan.roles[${earlier}].id)`);
    else firstRole.set(role.id, index);
    role.channels.forEach((channel, position) => {
      if (!notifyIds.includes(channel)) add([...path, 'channels', position], unknownName('channel or webhook', channel, notifyIds, 'responders.channels or responders.webhooks'));
    });
  });

  let firstPauseStep: ConfigPath | undefined;
  let pages = false;
  plan.rules.forEach((rule, ruleIndex) => {
    const rulePath: ConfigPath = ['plan', 'rules', ruleIndex];
    rule.match.detectors?.forEach((id, position) => {
      if (!detectorIds.includes(id) && id !== 'readiness' && id !== 'liveness') add([...rulePath, 'match', 'detectors', position], unknownName('detector', id, detectorIds));
    });
    rule.steps.forEach((step, stepIndex) => {
      const stepPath = [...rulePath, 'steps', stepIndex];
      if (typeof step === 'string') return;
      if ('pause' in step) {
        if (!(step.dryRun ?? plan.dryRun)) firstPauseStep ??= stepPath;
        if (!pauseIds.includes(step.pause)) add([...stepPath, 'pause'], unknownName('pause', step.pause, pauseIds, 'responders.pauses'));
      } else if ('notify' in step) {
        if (!notifyIds.includes(step.notify)) add([...stepPath, 'notify'], unknownName('channel or webhook', step.notify, notifyIds, 'responders.channels or responders.webhooks'));
      } else {
        pages = true;
        if (!roleIds.includes(step.page)) add([...stepPath, 'page'], unknownName('role', step.page, roleIds, 'plan.roles'));
      }
    });
  });

  let previousAfter = 0;
  plan.escalation.forEach((level, index) => {
    const path: ConfigPath = ['plan', 'escalation', index];
    if (level.after <= previousAfter) {
      add([...path, 'after'], `levels must come in increasing order of after: ${level.after}s is not later than the level before (${previousAfter}s)`);
    }
    previousAfter = Math.max(previousAfter, level.after);
    if (level.page === 'everyone') {
      if (roleIds.length === 0) add([...path, 'page'], '"everyone" means every role in plan.roles, and none is configured');
    } else {
      level.page.forEach((id, position) => {
        if (!roleIds.includes(id)) add([...path, 'page', position], unknownName('role', id, roleIds, 'plan.roles'));
      });
    }
  });
  if (plan.escalation.length > 0 && !pages) {
    add(['plan', 'escalation'], 'escalation starts when a rule pages a role, and no rule has a {page: <role id>} step; add one (e.g. {page: primary}) or remove escalation');
  }
  return firstPauseStep;
}
