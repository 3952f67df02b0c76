/**
 * The post-mortem of an incident as Markdown (`warden incidents postmortem ID`): what the record
 * proves — detection, containment latency in blocks and seconds, every transaction with an explorer
 * link, notifications, acknowledgements and notes, the evidence the detectors saw — and the sections
 * only people can write (root cause, recovery, lessons), left as prompts.
 *
 * Values from chain data (summaries, evidence) are attacker-controlled: they are rendered inside code
 * spans or escaped, so a hostile string cannot add links, headings or HTML to the document.
 */
import type { Incident, TimelineEntry } from './types.js';

export interface RenderPostmortemParameters {
  incident: Incident;
  /** Block explorer base url (e.g. https://etherscan.io): txs, blocks and addresses become links. */
  explorerUrl?: string;
  /** When the document was written (default now). */
  now?: Date;
}

/** Containment numbers read off the timeline; undefined where the record does not tell. */
export interface ContainmentLatency {
  detectedBlock?: number;
  containedBlock?: number;
  blocks?: number;
  /** From the head that carried the attack reaching warden to the pause verified. */
  seconds?: number;
  /** From that head to the pause tx leaving for the node (same process only: monotonic clock). */
  headToBroadcastMs?: number;
}

export function containmentLatency(timeline: readonly TimelineEntry[]): ContainmentLatency {
  const detected = timeline.find((entry) => entry.type === 'anomaly-detected');
  const verified = timeline.find((entry) => entry.type === 'verified-paused');
  const broadcast = timeline.find((entry) => entry.type === 'tx-broadcast' || entry.type === 'safe-tx-proposed');
  const detectedBlock = numberOf(detected?.data.blockNumber);
  const containedBlock = numberOf(verified?.data.blockNumber);
  const observed = detected?.data.observedAt as { wallMs?: number; monoNs?: string; runId?: string } | undefined;
  const startMs = observed?.wallMs ?? detected?.at;
  const sameRun = broadcast && observed?.monoNs && observed.runId === broadcast.runId && broadcast.type === 'tx-broadcast';
  return {
    detectedBlock,
    containedBlock,
    blocks: detectedBlock !== undefined && containedBlock !== undefined ? containedBlock - detectedBlock : undefined,
    seconds: startMs !== undefined && verified ? Math.max(0, verified.at - startMs) / 1000 : undefined,
    headToBroadcastMs: sameRun ? Number(BigInt(broadcast.monoNs) - BigInt(observed.monoNs!)) / 1e6 : undefined,
  };
}

export function renderPostmortem({ incident, explorerUrl, now = new Date() }: RenderPostmortemParameters): string {
  const links = explorerLinks(explorerUrl);
  const timeline = incident.timeline;
  const latency = containmentLatency(timeline);
  const detections = timeline.filter((entry) => entry.type === 'anomaly-detected');
  const txs = timeline.filter((entry) => entry.type === 'tx-mined' || entry.type === 'safe-tx-executed');
  const people = timeline.filter((entry) => entry.type === 'acknowledged' || entry.type === 'note' || (entry.type === 'status-changed' && entry.data.by));
  const notifications = timeline.filter((entry) => entry.type === 'notification-sent' || entry.type === 'notification-failed');
  const start = detections[0]?.at ?? incident.createdAt;
  const out: string[] = [];
  out.push(`# Post-mortem: ${text(incident.protocol)} incident ${incident.id}`, '');
  out.push(`_Written ${now.toISOString()} from warden's incident record; the sections marked TODO are for people._`, '');
  out.push('## Summary', '');
  out.push(`- **Status:** ${incident.status}`, `- **Severity:** ${incident.severity}`, `- **Chain:** ${incident.chainId}`);
  out.push(`- **Contracts:** ${incident.contracts.map((name) => `\`${code(name)}\``).join(', ') || 'none recorded'}`);
  out.push(`- **Opened:** ${iso(incident.createdAt)}`);
  out.push(`- **Detected in block:** ${latency.detectedBlock !== undefined ? links.block(latency.detectedBlock) : 'unknown'}`);
  if (latency.containedBlock !== undefined) {
    out.push(`- **Contained in block:** ${links.block(latency.containedBlock)} — ${latency.blocks} block(s) after detection, ${latency.seconds?.toFixed(2)} s after the head reached warden`);
  } else {
    out.push('- **Contained:** not by warden (no verified pause in the record)');
  }
  if (latency.headToBroadcastMs !== undefined) out.push(`- **Head → pause broadcast:** ${latency.headToBroadcastMs.toFixed(1)} ms`);
  out.push('', 'TODO: two or three sentences for readers who stop here.', '');

  out.push('## What was detected', '');
  for (const entry of detections) {
    out.push(`- ${iso(entry.at)} — \`${code(String(entry.data.detectorId))}\` (${String(entry.data.severity)}) in block ${links.block(numberOf(entry.data.blockNumber))}: \`${code(String(entry.data.summary ?? ''))}\``);
    for (const hash of (entry.data.txHashes as string[] | undefined) ?? []) out.push(`  - transaction ${links.tx(hash)}`);
  }
  out.push('');

  out.push('## What warden did automatically', '');
  const did = timeline.filter((entry) => automaticTypes.has(entry.type));
  if (did.length === 0) out.push('- nothing automatic was recorded (no pause step in the plan for these anomalies)');
  for (const entry of did) out.push(`- ${offset(entry.at, start)} ${describe(entry, links)}`);
  out.push('');

  out.push('## Impact', '');
  out.push('Evidence the detectors recorded (amounts in base units):', '');
  for (const entry of detections) {
    const evidence = entry.data.evidence as Record<string, unknown> | undefined;
    if (!evidence || Object.keys(evidence).length === 0) continue;
    out.push(`- \`${code(String(entry.data.detectorId))}\`: ${Object.entries(evidence).map(([key, value]) => `\`${code(key)}\` \`${code(JSON.stringify(value))}\``).join(', ')}`);
  }
  out.push('', '- **Value at risk:** TODO', '- **Value lost:** TODO (the drill report computes it for drills)', '');

  out.push('## Timeline', '', '| time (UTC) | since detection | event | detail |', '|---|---|---|---|');
  for (const entry of timeline) out.push(`| ${iso(entry.at)} | ${offset(entry.at, start)} | ${entry.type} | ${describe(entry, links).replace(/\|/g, '\\|')} |`);
  out.push('');

  out.push('## People and notifications', '');
  if (people.length + notifications.length === 0) out.push('- none recorded');
  for (const entry of [...people, ...notifications].sort((a, b) => a.at - b.at)) out.push(`- ${iso(entry.at)} ${describe(entry, links)}`);
  out.push('');

  out.push('## Transactions', '');
  if (txs.length === 0) out.push('- none');
  for (const entry of txs) out.push(`- ${links.tx(String(entry.data.txHash))} in block ${links.block(numberOf(entry.data.blockNumber))} (${entry.type === 'tx-mined' ? String(entry.data.status) : 'Safe execution'})`);
  out.push('');

  out.push('## Root cause', '', 'TODO: what made the attack possible.', '');
  out.push('## Recovery', '', 'TODO: how the protocol was made safe and unpaused (`warden recover` prepares the unpause; warden never sends it).', '');
  out.push('## Lessons', '', 'TODO: what went well, what did not, and the follow-up actions with owners.', '');
  return out.join('\n');
}

const automaticTypes = new Set([
  'response-started', 'already-contained', 'tx-prepared', 'tx-broadcast', 'tx-replaced', 'tx-mined', 'verified-paused',
  'containment-failed', 'safe-tx-proposed', 'safe-tx-executed', 'pause-reorged-out', 'trigger-reorged-out',
]);

interface Links {
  tx(hash: string): string;
  block(number: number | undefined): string;
}

function explorerLinks(explorerUrl: string | undefined): Links {
  const base = explorerUrl?.replace(/\/+$/, '');
  const hex = (value: string) => (/^0x[0-9a-fA-F]+$/.test(value) ? value : undefined);
  return {
    tx: (hash) => (base && hex(hash) ? `[\`${hash}\`](${base}/tx/${hash})` : `\`${code(hash)}\``),
    block: (number) => (number === undefined ? 'unknown' : base ? `[${number}](${base}/block/${number})` : String(number)),
  };
}

function describe(entry: TimelineEntry, links: Links): string {
  const data = entry.data;
  const tx = typeof data.txHash === 'string' ? ` ${links.tx(data.txHash)}` : '';
  switch (entry.type) {
    case 'tx-prepared':
      return `pause tx prepared${tx} (nonce ${String(data.nonce)}${data.via ? `, via ${String(data.via)}` : ''}${data.safeTxHash ? `, safeTxHash \`${code(String(data.safeTxHash))}\`` : ''})`;
    case 'tx-broadcast':
      return `pause tx broadcast${tx}`;
    case 'tx-mined':
      return `pause tx mined${tx} in block ${links.block(numberOf(data.blockNumber))}: ${String(data.status)}`;
    case 'verified-paused':
      return `verified paused in block ${links.block(numberOf(data.blockNumber))}${tx}`;
    case 'containment-failed':
      return `containment FAILED: \`${code(String(data.reason))}\``;
    case 'safe-tx-proposed':
      return `pause proposed to the Safe's co-signers: safeTxHash \`${code(String(data.safeTxHash))}\`${data.signingUrl ? ` (${code(String(data.signingUrl))})` : ''}`;
    case 'safe-tx-executed':
      return `co-signers executed the SafeTx${tx} in block ${links.block(numberOf(data.blockNumber))}`;
    case 'acknowledged':
      return `acknowledged by ${text(String(data.by))}`;
    case 'note':
      return `note by ${text(String(data.by))}: ${text(String(data.text))}`;
    case 'status-changed':
      return `status ${String(data.from)} → ${String(data.to)}${data.by ? ` by ${text(String(data.by))}` : ''}${data.reason ? `: ${text(String(data.reason))}` : ''}`;
    case 'notification-sent':
      return `notified ${text(String(data.webhook ?? data.channel))} (${String(data.event)})`;
    case 'notification-failed':
      return `notification to ${text(String(data.webhook ?? data.channel))} FAILED: ${text(String(data.reason ?? data.error ?? ''))}`;
    case 'escalated':
      return `ESCALATED (level ${String(data.level)}): paged ${text(listOf(data.roles))} — ${text(String(data.reason ?? ''))}`;
    case 'escalation-armed':
      return `escalation armed: ${Array.isArray(data.levels) ? data.levels.map((level: { level?: number; at?: number }) => `level ${Number(level.level) + 1} at ${iso(Number(level.at))}`).join(', ') : ''}`;
    case 'page-deferred':
      return `page${data.role ? ` of ${text(String(data.role))}` : ` (escalation level ${String(data.escalationLevel)})`} held by quiet hours until ${iso(Number(data.until))}`;
    case 'dry-run':
      return `dry run, nothing sent: would ${text(String(data.would))}`;
    case 'anomaly-detected':
      return `\`${code(String(data.detectorId))}\` in block ${links.block(numberOf(data.blockNumber))}`;
    default:
      return Object.entries(data)
        .filter(([, value]) => value !== undefined && value !== null && typeof value !== 'object')
        .map(([key, value]) => `${key}=\`${code(String(value))}\``)
        .join(' ');
  }
}

const listOf = (value: unknown): string => (Array.isArray(value) ? value.map(String).join(', ') : String(value));
const numberOf = (value: unknown): number | undefined => (typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined);
const iso = (ms: number) => new Date(ms).toISOString();
const offset = (at: number, start: number) => `+${((at - start) / 1000).toFixed(3)} s`;
/** Inside a code span: backticks and newlines would end it. */
const code = (value: string) => value.replace(/[`\r\n]/g, ' ');
/** Plain Markdown text: escape what could start a link, emphasis, heading or HTML. */
const text = (value: string) => value.replace(/[\\`*_{}[\]()#+\-!<>|~]/g, (char) => `\\${char}`).replace(/[\r\n]+/g, ' ');
