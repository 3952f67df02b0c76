/**
 * The import report: what was converted, what was not and why, what behaves differently, and the
 * environment variables the written config reads. It never holds a secret from the input: urls
 * appear as scheme and host only, headers by name only.
 */

/** One thing in the input, located by file and path, and what happened to it. */
export interface ImportReportItem {
  /** File it came from, relative to the folder: `monitors/usdc.json`. */
  file: string;
  /** Where in that file, e.g. `match_conditions.functions[0]`; omitted for a whole file. */
  path?: string;
  /** What it is, for people: `function condition transfer(address,uint256)`. */
  subject: string;
  /** Why it was not converted, or how the converted version differs. */
  reason: string;
}

/** A `${NAME}` the written config reads. */
export interface ImportEnvironmentVariable {
  name: string;
  /** What to set it to, e.g. `the https://eth-mainnet.g.alchemy.com/… url with its API key`. */
  holds: string;
  /** The config path that reads it: `chains[0].rpc.http[0]`. */
  usedAt: string;
}

export interface ImportReport {
  converted: { chains: number; contracts: number; detectors: number; webhooks: number; rules: number };
  /** Not in the written config, with the reason. */
  notConverted: ImportReportItem[];
  /** In the written config, but it does not behave exactly as it did in OpenZeppelin Monitor. */
  differences: ImportReportItem[];
  environment: ImportEnvironmentVariable[];
}

export function emptyReport(): ImportReport {
  return { converted: { chains: 0, contracts: 0, detectors: 0, webhooks: 0, rules: 0 }, notConverted: [], differences: [], environment: [] };
}

/** The report as plain text for a terminal (no colours), most important first. */
export function formatImportReport(report: ImportReport): string {
  const { chains, contracts, detectors, webhooks, rules } = report.converted;
  const lines = [
    'OpenZeppelin Monitor import',
    `  converted      ${count(chains, 'chain')}, ${count(contracts, 'contract')}, ${count(detectors, 'event detector')}, ${count(webhooks, 'webhook')}, ${count(rules, 'plan rule')}`,
  ];
  if (report.environment.length > 0) {
    lines.push('', 'Set these environment variables (the config reads them; no secret was copied into it):');
    const width = Math.max(...report.environment.map((variable) => variable.name.length));
    for (const variable of report.environment) lines.push(`  ${variable.name.padEnd(width)}  ${variable.holds} (${variable.usedAt})`);
  }
  section(lines, `Not converted (${report.notConverted.length}):`, report.notConverted);
  section(lines, `Converted, but different from OpenZeppelin Monitor (${report.differences.length}):`, report.differences);
  lines.push('', 'No pause steps were written: add responders.guardian, responders.pauses and a plan rule with `pause:` for your protocol.');
  return lines.join('\n');
}

function section(lines: string[], title: string, items: ImportReportItem[]): void {
  if (items.length === 0) return;
  lines.push('', title);
  for (const item of items) {
    lines.push(`  - ${item.file}${item.path ? ` ${item.path}` : ''}: ${item.subject}`);
    lines.push(`      ${item.reason}`);
  }
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
