/**
 * Renders the draft as a warden config file: YAML with a header saying what to do next and a
 * comment above every entry saying where it came from. Output is deterministic (no dates), so
 * importing twice gives the same file.
 */
import { Document, isMap, isScalar, isSeq, type Pair, type YAMLMap } from 'yaml';
import type { ConfigDraft, DraftEntry } from './draft.js';
import type { ImportReport } from './report.js';

export function renderConfigYaml(params: { draft: ConfigDraft; report: ImportReport; source: string }): string {
  const { draft, report } = params;
  const config: Record<string, unknown> = {
    chains: values(draft.chains),
    contracts: values(draft.contracts),
    detectors: values(draft.detectors),
    plan: { rules: values(draft.rules) },
  };
  if (draft.webhooks.length > 0) config.responders = { webhooks: values(draft.webhooks) };
  config.redis = { url: '${REDIS_URL:-redis://127.0.0.1:6379}' };

  const doc = new Document(config);
  doc.commentBefore = header(params.source, report);
  const sections: Record<string, string> = {
    chains: 'Chains to follow, from networks/.',
    contracts: 'Monitored addresses, from monitors/ (one entry per chain and address). Incidents are per protocol:\n give contracts of one protocol the same `protocol` (imported as one per monitor).',
    detectors: 'One event detector per event condition signature and chain, from monitors/. OZ Monitor has no severities:\n all are medium; raise the ones that should page, or pause once you add a pause step.',
    plan: 'One rule per imported monitor: record an incident and notify its converted webhooks. No pause steps.',
    responders: 'Webhooks from triggers/ (webhook triggers only; the url always comes from the environment).',
    redis: 'Where warden keeps its queue, chain checkpoints and incidents.',
  };
  for (const pair of (doc.contents as YAMLMap).items as Pair[]) {
    if (!isScalar(pair.key)) continue;
    const text = sections[String(pair.key.value)];
    if (text) pair.key.commentBefore = ` ${text}`;
    pair.key.spaceBefore = pair !== (doc.contents as YAMLMap).items[0];
  }
  const comment = (path: (string | number)[], entries: DraftEntry[]) => {
    const list = doc.getIn(path);
    if (!isSeq(list)) return;
    list.items.forEach((item, index) => {
      const text = entries[index]?.comment;
      if (text && isMap(item)) item.commentBefore = text.split('\n').map((line) => ` ${line}`).join('\n');
    });
  };
  comment(['chains'], draft.chains);
  comment(['contracts'], draft.contracts);
  comment(['detectors'], draft.detectors);
  comment(['plan', 'rules'], draft.rules);
  comment(['responders', 'webhooks'], draft.webhooks);
  return doc.toString({ lineWidth: 0 });
}

function values(entries: DraftEntry[]): Record<string, unknown>[] {
  return entries.map((entry) => entry.value);
}

function header(source: string, report: ImportReport): string {
  const lines = [
    `warden config imported from the OpenZeppelin Monitor config folder ${source} by \`warden import oz-monitor\`.`,
    'Read the import report it printed: what was not converted, and what behaves differently.',
  ];
  if (report.environment.length > 0) {
    lines.push('', 'Environment variables this file reads (no secret from the input was copied here):');
    for (const variable of report.environment) lines.push(`  ${variable.name}: ${variable.holds}`);
  }
  const { notConverted, differences } = report;
  lines.push(
    '',
    `Not converted: ${notConverted.length} item(s); converted with a difference: ${differences.length} item(s).`,
    'There are no pause steps: add responders.guardian, responders.pauses and a plan rule with `pause:`',
    'for your protocol, then run `warden check --config <this file>` (and `--live`).',
    'Every key is described in docs/config-reference.md.',
  );
  return lines.map((line) => (line ? ` ${line}` : '')).join('\n');
}
