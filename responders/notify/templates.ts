/**
 * Templates: the default title and "what to do next" lines per event, overridable per channel, and
 * the channel-neutral rendering of a message into a title, facts and sections made of segments.
 *
 * A segment says what a piece of text IS (untrusted chain data, a command, a link), never how it
 * looks; each channel turns segments into its own markup and escapes every one of them there. So
 * markup only ever comes from the channel's formatter, and attacker text only ever from a segment
 * marked `untrusted`.
 */
import { severityRank } from '../../detectors/types.js';
import { neutralize, truncate } from './escape.js';
import { explorerLinks, isSafeLink, shortHex } from './links.js';
import type { NotificationEvent, NotificationMessage } from './types.js';

export interface Segment {
  text: string;
  /** Chain data or a person's words: neutralized and escaped, never wrapped in markup that could change its meaning. */
  untrusted?: boolean;
  /** A link (explorer or Safe signing url); the text is what is shown. */
  href?: string;
  /** A command or an id, shown as code where the channel has it (trusted text only). */
  code?: boolean;
  bold?: boolean;
}
export type Line = Segment[];

export interface RenderedSection {
  heading: string;
  lines: Line[];
}

export interface RenderedNotification {
  title: Line;
  facts: { label: string; value: Line }[];
  sections: RenderedSection[];
  footer: string;
}

export interface TemplateOverride {
  /** One line; placeholders: {protocol} {chain} {severity} {SEVERITY} {incident} {detector} {block} {actor} {summary}; `backticks` mark commands. */
  title?: string;
  nextSteps?: string[];
}
export type TemplateOverrides = Partial<Record<NotificationEvent, TemplateOverride>>;

export const templatePlaceholders = ['protocol', 'chain', 'severity', 'SEVERITY', 'incident', 'detector', 'block', 'actor', 'summary'] as const;

const ack = 'Acknowledge: `warden incidents ack {incident} --by <your name>`';

export const defaultTemplates: Record<NotificationEvent, Required<TemplateOverride>> = {
  'incident.opened': {
    title: '{SEVERITY} incident opened: {protocol} on {chain}',
    nextSteps: ['Check what was detected below; warden pauses where the plan says so.', ack],
  },
  'incident.updated': {
    title: '{SEVERITY} incident updated: {protocol} on {chain}',
    nextSteps: ['Another anomaly joined the incident: check that containment still holds.', ack],
  },
  'incident.contained': {
    title: 'Contained: {protocol} on {chain} is paused',
    nextSteps: [
      'Find the root cause before anything is unpaused; warden never unpauses.',
      'When it is fixed, `warden recover {incident}` prepares the unpause for a person to send.',
    ],
  },
  'incident.containment-failed': {
    title: 'CONTAINMENT FAILED: {protocol} on {chain}',
    nextSteps: ['Pause it by hand NOW (guardian key or Safe): warden could not, see What warden did.', ack],
  },
  'incident.escalated': {
    title: 'Escalated, nobody acknowledged: {SEVERITY} incident on {protocol} ({chain})',
    nextSteps: ['You are paged because the incident was not acknowledged in time.', ack],
  },
  'incident.acknowledged': {
    title: 'Acknowledged by {actor}: {protocol} on {chain}',
    nextSteps: ['{actor} is handling it: offer help in the incident channel rather than acting alone.'],
  },
  'incident.resolved': {
    title: 'Resolved by {actor}: {protocol} on {chain}',
    nextSteps: ['Write the post-mortem: `warden incidents postmortem {incident}`'],
  },
  'readiness.failing': {
    title: 'Readiness failing: {protocol} on {chain} cannot be paused as planned',
    nextSteps: ['Fix the failing check below before an incident needs it; `warden check --live` shows every check.'],
  },
};

/** How much of each untrusted value is shown: together they keep every section within every vendor's limits. */
export const limits = { summary: 500, evidenceEntries: 6, evidenceKey: 40, evidenceValue: 160, txHashes: 5, addresses: 5, actions: 10, reason: 300, actorName: 80, note: 500 };

export function renderNotification(message: NotificationMessage, overrides: TemplateOverrides = {}): RenderedNotification {
  const template = { ...defaultTemplates[message.event], ...overrides[message.event] };
  const values = placeholderValues(message);
  const links = explorerLinks(message.chain.explorerUrl);
  const sections: RenderedSection[] = [];

  const detection = message.detection;
  if (detection) {
    const lines: Line[] = [[
      { text: detection.detectorId, bold: true },
      { text: ' in block ' },
      { text: String(detection.blockNumber), href: links.block(detection.blockNumber) },
      { text: ': ' },
      { text: truncate(detection.summary, limits.summary), untrusted: true },
    ]];
    if (detection.txHashes.length > 0) lines.push(listLine('Transactions', detection.txHashes, limits.txHashes, (hash) => links.tx(hash)));
    if (detection.addresses.length > 0) lines.push(listLine('Addresses', detection.addresses, limits.addresses, (address) => links.address(address)));
    const evidence = Object.entries(detection.evidence ?? {});
    for (const [key, value] of evidence.slice(0, limits.evidenceEntries)) {
      lines.push([{ text: truncate(key, limits.evidenceKey), untrusted: true }, { text: ': ' }, { text: truncate(evidenceText(value), limits.evidenceValue), untrusted: true }]);
    }
    if (evidence.length > limits.evidenceEntries) lines.push([{ text: `(${evidence.length - limits.evidenceEntries} more evidence entries in the incident record)` }]);
    sections.push({ heading: message.event === 'readiness.failing' ? 'What failed' : 'What was detected', lines });
  }

  const done = actionLines(message, links);
  if (done.length > 0) sections.push({ heading: 'What warden did', lines: done });
  if (message.actor?.note) {
    sections.push({ heading: message.event === 'incident.resolved' ? 'Resolution' : 'Note', lines: [[{ text: truncate(message.actor.note, limits.note), untrusted: true }]] });
  }

  const next: Line[] = proposalSteps(message);
  for (const step of message.nextSteps ?? template.nextSteps) next.push(expandTemplate(step, values));
  sections.push({ heading: 'What you must do next', lines: next });

  return {
    title: expandTemplate(template.title, values),
    facts: facts(message, values),
    sections,
    footer: `warden · ${new Date(message.at).toISOString()}`,
  };
}

type Values = Record<(typeof templatePlaceholders)[number], Segment>;

function placeholderValues(message: NotificationMessage): Values {
  return {
    protocol: { text: message.protocol },
    chain: { text: message.chain.name },
    severity: { text: message.severity },
    SEVERITY: { text: message.severity.toUpperCase() },
    incident: { text: message.incidentId },
    detector: { text: message.detection?.detectorId ?? 'unknown detector' },
    block: { text: message.detection ? String(message.detection.blockNumber) : '?' },
    actor: { text: truncate(message.actor?.name ?? 'someone', limits.actorName), untrusted: true },
    summary: { text: truncate(message.detection?.summary ?? '', limits.summary), untrusted: true },
  };
}

/** Expands {placeholders}; text between backticks becomes code segments. Unknown placeholders stay as written. */
export function expandTemplate(template: string, values: Values): Line {
  const line: Line = [];
  template.split('`').forEach((piece, index) => {
    const code = index % 2 === 1;
    for (const part of piece.split(/(\{[A-Za-z]+\})/)) {
      if (part === '') continue;
      const name = /^\{([A-Za-z]+)\}$/.exec(part)?.[1];
      const value = name && name in values ? values[name as keyof Values] : undefined;
      const segment: Segment = value ? { ...value } : { text: part };
      if (code && !segment.untrusted) segment.code = true;
      line.push(segment);
    }
  });
  return mergeCode(line);
}

/** Adjacent code segments become one (so a command renders as one code span). */
function mergeCode(line: Line): Line {
  const merged: Line = [];
  for (const segment of line) {
    const last = merged[merged.length - 1];
    if (last?.code && segment.code) last.text += segment.text;
    else merged.push({ ...segment });
  }
  return merged;
}

function facts(message: NotificationMessage, values: Values): RenderedNotification['facts'] {
  const list: RenderedNotification['facts'] = [
    { label: 'Severity', value: [{ text: message.severity.toUpperCase(), bold: severityRank(message.severity) >= severityRank('high') }] },
    { label: 'Protocol', value: [values.protocol] },
    { label: 'Chain', value: [{ text: `${message.chain.name} (${message.chain.id})` }] },
    { label: 'Incident', value: [{ text: message.incidentId, code: true }] },
  ];
  if (message.status) list.push({ label: 'Status', value: [{ text: message.status }] });
  if (message.actor) {
    const label = message.event === 'incident.acknowledged' ? 'Acknowledged by' : message.event === 'incident.resolved' ? 'Resolved by' : message.event === 'incident.escalated' ? 'Paged' : 'By';
    list.push({ label, value: [values.actor] });
  }
  if (message.escalation) list.push({ label: 'Escalation', value: [{ text: `level ${message.escalation.level}: ${message.escalation.reason}` }] });
  return list;
}

function listLine(label: string, items: readonly string[], max: number, link: (item: string) => string | undefined): Line {
  const line: Line = [{ text: `${label}: ` }];
  items.slice(0, max).forEach((item, index) => {
    if (index > 0) line.push({ text: ', ' });
    const href = link(item);
    // A value that is not a well-formed hash or address is shown as untrusted text, never linked.
    line.push(href ? { text: shortHex(item), href } : { text: truncate(item, 80), untrusted: true });
  });
  if (items.length > max) line.push({ text: ` and ${items.length - max} more` });
  return line;
}

function actionLines(message: NotificationMessage, links: ReturnType<typeof explorerLinks>): Line[] {
  const actions = message.actions;
  if (actions === undefined) {
    const pending = message.event === 'incident.opened' || message.event === 'incident.updated' || message.event === 'incident.escalated';
    return pending ? [[{ text: 'Containment in progress: the outcome follows in the next message.' }]] : [];
  }
  if (actions.length === 0) return [[{ text: 'No automatic step for this anomaly: people decide.' }]];
  const lines = actions.slice(0, limits.actions).map((action): Line => {
    const target: Segment = { text: action.targetId, bold: true };
    switch (action.status) {
      case 'paused':
        return [
          target,
          { text: ' paused' },
          ...(action.blockNumber !== undefined ? [{ text: ' in block ' }, { text: String(action.blockNumber), href: links.block(action.blockNumber) }] : []),
          ...(action.txHash ? [{ text: ', tx ' }, txSegment(action.txHash, links)] : []),
        ];
      case 'already-contained':
        return [target, { text: ' was already paused: nothing sent' }];
      case 'proposed':
        return [target, { text: ': pause PROPOSED to the Safe' }, ...(action.safeTxHash ? [{ text: ', SafeTx ' }, { text: shortHex(action.safeTxHash), code: true }] : [])];
      default:
        return [target, { text: ' FAILED: ' }, { text: truncate(action.reason ?? 'unknown reason', limits.reason), untrusted: true }];
    }
  });
  if (actions.length > limits.actions) lines.push([{ text: `and ${actions.length - limits.actions} more steps (see the incident record)` }]);
  return lines;
}

function txSegment(hash: string, links: ReturnType<typeof explorerLinks>): Segment {
  const href = links.tx(hash);
  return href ? { text: shortHex(hash), href } : { text: shortHex(hash), code: true };
}

/** Proposed Safe pauses need the co-signers: that is the first thing to do. */
function proposalSteps(message: NotificationMessage): Line[] {
  return (message.actions ?? [])
    .filter((action) => action.status === 'proposed')
    .map((action): Line => [
      { text: 'Safe co-signers: sign and execute the pause of ' },
      { text: action.targetId, bold: true },
      ...(isSafeLink(action.signingUrl) ? [{ text: ' at ' }, { text: 'the Safe signing page', href: action.signingUrl }] : [{ text: ' in the Safe app' }]),
    ]);
}

function evidenceText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A line as plain text: untrusted parts neutralized, links as "text (url)". */
export function linePlainText(line: Line): string {
  return line
    .map((segment) => {
      const text = segment.untrusted ? neutralize(segment.text) : segment.text;
      return segment.href && segment.href !== text ? `${text} (${segment.href})` : text;
    })
    .join('');
}

/** The whole notification as plain text (e-mail text part, PagerDuty and Opsgenie descriptions). */
export function renderPlainText(rendered: RenderedNotification): string {
  const out = [linePlainText(rendered.title), rendered.facts.map((fact) => `${fact.label}: ${linePlainText(fact.value)}`).join(' · ')];
  for (const section of rendered.sections) {
    out.push('', `${section.heading}:`, ...section.lines.map((line) => `- ${linePlainText(line)}`));
  }
  out.push('', rendered.footer);
  return out.join('\n');
}

/**
 * Renders sections with `render` and, while the result is longer than `max` (as measured by
 * `measure`), drops the last line of the longest section, adding a note of how many lines were cut.
 * Whole lines only: markup is never cut in half.
 */
export function fitSections(sections: RenderedSection[], render: (sections: RenderedSection[]) => string, max: number, measure: (text: string) => number = (text) => text.length): string {
  const kept = sections.map((section) => ({ heading: section.heading, lines: [...section.lines], dropped: 0 }));
  const view = () => kept.map((section) => ({ heading: section.heading, lines: section.dropped > 0 ? [...section.lines, [{ text: `(${section.dropped} more in the incident record)` }]] : section.lines }));
  for (;;) {
    const text = render(view());
    if (measure(text) <= max) return text;
    const longest = kept.filter((section) => section.lines.length > 1).sort((a, b) => b.lines.length - a.lines.length)[0];
    if (!longest) return render(kept.map((section) => ({ heading: section.heading, lines: [[{ text: '(too long to show: see the incident record)' }]] })));
    longest.lines.pop();
    longest.dropped++;
  }
}
