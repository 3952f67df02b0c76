/**
 * `warden plan explain --config FILE [--json]`: what the plan does for each detector and severity,
 * and who hears of it (src/plan/explain.ts). Offline: reads the config only.
 */
import type { Command } from 'commander';

interface PlanExplainOptions {
  config: string;
  json?: boolean;
}

export function registerPlanCommand(program: Command): void {
  const plan = program.command('plan').description('Inspect the incident-response plan of a config.');
  plan
    .command('explain')
    .description('For each detector and severity: the steps the plan takes (pause, record, notify, page, dry runs), who hears of it at once, escalation and quiet hours.')
    .requiredOption('-c, --config <file>', 'warden config (YAML)')
    .option('--json', 'print the explanation as JSON')
    .action(async (options: PlanExplainOptions) => {
      const { loadConfig } = await import('../config/load.js');
      const { explainPlan, renderPlanExplanation } = await import('../plan/explain.js');
      const loaded = await loadConfig({ path: options.config });
      const explanation = explainPlan(loaded.config, loaded.contracts);
      process.stdout.write(options.json ? `${JSON.stringify(explanation, null, 2)}\n` : renderPlanExplanation(explanation));
    });
}
