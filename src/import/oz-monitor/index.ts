/**
 * `warden import oz-monitor`: reads an OpenZeppelin Monitor config folder and writes a warden config
 * (YAML with comments) plus a report of everything it could not convert, and why.
 *
 * What converts: EVM networks → chains; monitored addresses → contracts (ABI: the events used);
 * event conditions → `event` detectors with their expressions translated to warden conditions of the
 * same meaning; webhook triggers → webhooks; one plan rule per monitor that records and notifies.
 * What does not (yet): function and transaction conditions, filter scripts, Slack / Discord /
 * Telegram / email / script triggers, non-EVM networks. Secrets are never copied: they become
 * `${VAR}` placeholders, listed in the report.
 *
 * @example
 * const result = await importOzMonitor({ dir: './oz-monitor/config' });
 * if (result.yaml) await writeFile('warden.yaml', result.yaml);
 * console.log(formatImportReport(result.report));
 */
import { createContractRegistry } from './contracts.js';
import { literalText, type ConfigDraft, type ImportContext } from './draft.js';
import { readOzMonitorFolder } from './input.js';
import { convertMonitors, type ConvertedMonitor } from './monitors.js';
import { convertNetworks, indexNetworks } from './networks.js';
import { emptyReport, type ImportReport } from './report.js';
import { createEnvRegistry } from './secrets.js';
import { convertTriggers } from './triggers.js';
import { renderConfigYaml } from './yaml.js';

export { formatImportReport, type ImportReport, type ImportReportItem, type ImportEnvironmentVariable } from './report.js';
export { OzMonitorFolderError } from './input.js';
export { translateOzExpression, type TranslateOzExpressionParameters, type TranslateOzExpressionReturnType } from './expression-translate.js';

export interface ImportOzMonitorParameters {
  /** The OpenZeppelin Monitor config folder (holding networks/, monitors/, triggers/, filters/). */
  dir: string;
}

export interface ImportOzMonitorReturnType {
  /** The warden config; undefined when nothing could be converted (the report says why). */
  yaml?: string;
  report: ImportReport;
}

/** Throws OzMonitorFolderError (and only that) when `dir` is not an OZ Monitor config folder. */
export type ImportOzMonitorErrorType = import('./input.js').OzMonitorFolderError;

export async function importOzMonitor(params: ImportOzMonitorParameters): Promise<ImportOzMonitorReturnType> {
  const folder = await readOzMonitorFolder({ dir: params.dir });
  const report = emptyReport();
  report.notConverted.push(...folder.problems);
  const draft: ConfigDraft = { chains: [], contracts: [], detectors: [], rules: [], webhooks: [] };
  const context: ImportContext = { draft, report, env: createEnvRegistry(report) };

  const networks = indexNetworks(folder.networks);
  const contracts = createContractRegistry();
  const monitors = convertMonitors({ context, folder, networks, contracts });
  // Chains first in the file, but written after the monitors: only chains a contract uses are needed.
  convertNetworks({ context, index: networks, usedChainIds: contracts.chainIds() });
  const overloads = contracts.write(context);
  const webhookIds = convertTriggers({ context, folder, monitors });
  writeRules({ context, monitors, webhookIds });
  reportOverloads({ context, overloads });
  report.converted.detectors = draft.detectors.length;
  if (draft.detectors.length === 0) return { report };
  return { yaml: renderConfigYaml({ draft, report, source: params.dir }), report };
}

/** One rule per monitor with detectors: record, then notify the webhooks among its triggers. */
function writeRules(params: { context: ImportContext; monitors: ConvertedMonitor[]; webhookIds: Map<string, string> }): void {
  const { context } = params;
  for (const monitor of params.monitors) {
    if (monitor.detectorIds.length === 0) continue;
    const keys = monitor.source.value.triggers;
    const notify = [...new Set(keys.map((key) => params.webhookIds.get(key)).filter((id): id is string => id !== undefined))];
    const others = keys.filter((key) => !params.webhookIds.has(key));
    context.draft.rules.push({
      value: {
        name: literalText(`${monitor.source.value.name} (imported from OpenZeppelin Monitor)`),
        match: { detectors: monitor.detectorIds },
        steps: ['record', ...notify.map((id) => ({ notify: id }))],
      },
      comment: [
        `${monitor.source.file}: its triggers ${keys.length > 0 ? keys.join(', ') : '(none)'}.`,
        others.length > 0 ? `Not notified here (not converted, see the report): ${others.join(', ')}.` : undefined,
      ].filter(Boolean).join('\n'),
    });
  }
  context.report.converted.rules = context.draft.rules.length;
}

/** warden's event detector matches every event of a name; OZ Monitor only the listed signature. */
function reportOverloads(params: { context: ImportContext; overloads: Map<string, string[]> }): void {
  for (const [contract, names] of params.overloads) {
    for (const name of names) {
      params.context.report.differences.push({
        file: 'monitors/',
        subject: `contract ${contract}, event ${name}`,
        reason: `monitors use several ${name} events of different signatures on it; warden's event detectors match every ${name} in the contract's ABI, so each fires on all of them`,
      });
    }
  }
}
