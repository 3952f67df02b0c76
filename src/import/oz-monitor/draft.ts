/**
 * The warden config being written, section by section, each entry with the comment that says where
 * it came from. Converters append to it; yaml.ts renders it.
 */
import type { ImportReport } from './report.js';
import type { EnvRegistry } from './secrets.js';

/** One list entry of a config section (a chain, a contract, a detector, …) and its comment. */
export interface DraftEntry {
  value: Record<string, unknown>;
  /** Printed above the entry, one `#` line per line. */
  comment?: string;
}

export interface ConfigDraft {
  chains: DraftEntry[];
  contracts: DraftEntry[];
  detectors: DraftEntry[];
  rules: DraftEntry[];
  webhooks: DraftEntry[];
}

/** What every converter is handed: the draft to extend, the report to tell, and the placeholder registry. */
export interface ImportContext {
  draft: ConfigDraft;
  report: ImportReport;
  env: EnvRegistry;
}

/** Severity of imported detectors: OZ Monitor has none, and plan rules match them by id, not severity. */
export const importedSeverity = 'medium';

/** `Large Transfer of USDC!` → `large-transfer-of-usdc`: a valid warden identifier. */
export function slugify(text: string, fallback: string): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
  if (!slug) return fallback;
  return /^[a-z]/.test(slug) ? slug : `${fallback}-${slug}`;
}

/** Returns `wanted`, or `wanted-2`, `wanted-3`… when taken; records the result as taken. */
export function uniqueName(wanted: string, taken: Set<string>): string {
  let name = wanted;
  for (let n = 2; taken.has(name); n += 1) name = `${wanted}-${n}`;
  taken.add(name);
  return name;
}

/** A literal `${` in copied text would be read as a variable reference by the loader: write `$${`. */
export function literalText(text: string): string {
  return text.replaceAll('${', '$${');
}
