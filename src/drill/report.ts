/**
 * The drill report: what happened, how fast warden contained it, and how much was lost.
 * Block numbers come from the chain (receipts), latencies from the incident timeline.
 */
import { Redis } from 'ioredis';
import { createPublicClient, formatUnits, http, parseAbi, type Address, type Hex } from 'viem';
import type { Anomaly } from '../../detectors/types.js';
import type { Incident, IncidentStore } from '../incidents/store.js';
import type { DrainAttackResult } from './attack.js';

export interface DrillReport {
  scenario: string;
  exploitBlock?: number;
  detectedBlock?: number;
  pauseTxHash?: Hex;
  pauseBlock?: number;
  blocksToContainment?: number;
  headToBroadcastMs?: number;
  valueAtRisk: bigint;
  valueLost: bigint;
  lostFraction: number;
  incidentId?: string;
  contained: boolean;
  symbol: string;
  decimals: number;
  attackSteps: DrainAttackResult['steps'];
}

export const drillScenario = 'vault-drain: withdrawTo without an ownership check, one slice per block';

/**
 * Removes what an earlier drill left under the drill's key prefix (checkpoints, detector state, pause
 * records, queued jobs, the pointer to the protocol's open incident) — they describe a chain that no
 * longer exists, and a new drill must open its own incident. Incident records are kept, so
 * `warden incidents list --config config/drill.yaml` shows every drill.
 */
const keepAcrossDrills = ['incident:', 'incidents', 'incidents-by-block:'];

export async function clearDrillState(params: { redisUrl: string; keyPrefix: string }): Promise<number> {
  const redis = new Redis(params.redisUrl, { maxRetriesPerRequest: 3 });
  try {
    let cursor = '0';
    let removed = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${params.keyPrefix}:*`, 'COUNT', 500);
      cursor = next;
      const stale = keys.filter((key) => !keepAcrossDrills.some((kept) => key.startsWith(`${params.keyPrefix}:${kept}`)));
      if (stale.length > 0) removed += await redis.del(...stale);
    } while (cursor !== '0');
    return removed;
  } finally {
    redis.disconnect();
  }
}

/** Waits until the incident opened by the drill's anomalies is contained or failed (or the timeout passes). */
export async function waitForContainment(params: {
  incidents: IncidentStore;
  anomalies: Anomaly[];
  sinceMs: number;
  timeoutMs: number;
}): Promise<Incident | undefined> {
  const deadline = Date.now() + params.timeoutMs;
  let latestId: string | undefined;
  while (Date.now() < deadline) {
    const ids = new Set(params.anomalies.map((anomaly) => anomaly.id));
    const recent = await params.incidents.list({ limit: 20 });
    const match = recent.find((incident) => incident.createdAt >= params.sinceMs && incident.anomalyIds.some((id) => ids.has(id)));
    latestId = match?.id;
    if (match && match.status !== 'open') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return latestId ? params.incidents.get(latestId) : undefined;
}

export async function buildDrillReport(params: {
  rpcUrl: string;
  protocol: { vault: Address; token: Address; totalDeposits: bigint; decimals: number; symbol: string };
  attack: DrainAttackResult;
  incident: Incident | undefined;
  anomalies: Anomaly[];
}): Promise<DrillReport> {
  const { protocol, attack, incident } = params;
  const client = createPublicClient({ transport: http(params.rpcUrl) });
  const contained = await client.readContract({
    address: protocol.vault,
    abi: parseAbi(['function paused() view returns (bool)']),
    functionName: 'paused',
  });
  const timeline = incident?.timeline ?? [];
  const broadcast = [...timeline].reverse().find((entry) => entry.type === 'tx-broadcast');
  const mined = [...timeline].reverse().find((entry) => entry.type === 'tx-mined' && entry.data.status === 'success');
  const pauseTxHash = (mined?.data.txHash ?? broadcast?.data.txHash) as Hex | undefined;
  const pauseBlock = mined ? Number(mined.data.blockNumber) : undefined;
  const firstAnomaly = params.anomalies
    .filter((anomaly) => incident?.anomalyIds.includes(anomaly.id))
    .sort((a, b) => a.blockNumber - b.blockNumber)[0];
  const headToBroadcastMs =
    broadcast && firstAnomaly && broadcast.runId === firstAnomaly.observedAt.runId
      ? Number(BigInt(broadcast.monoNs) - BigInt(firstAnomaly.observedAt.monoNs)) / 1e6
      : undefined;
  const lostFraction = protocol.totalDeposits === 0n ? 0 : Number((attack.valueLost * 1_000_000n) / protocol.totalDeposits) / 1_000_000;
  return {
    scenario: drillScenario,
    exploitBlock: attack.exploitBlock,
    detectedBlock: firstAnomaly?.blockNumber,
    pauseTxHash,
    pauseBlock,
    blocksToContainment: pauseBlock !== undefined && attack.exploitBlock !== undefined ? pauseBlock - attack.exploitBlock : undefined,
    headToBroadcastMs,
    valueAtRisk: protocol.totalDeposits,
    valueLost: attack.valueLost,
    lostFraction,
    incidentId: incident?.id,
    contained,
    symbol: protocol.symbol,
    decimals: protocol.decimals,
    attackSteps: attack.steps,
  };
}

/** The report as JSON-safe data (amounts as strings of raw units). */
export function reportToJson(report: DrillReport): Record<string, unknown> {
  return {
    ...report,
    valueAtRisk: report.valueAtRisk.toString(),
    valueLost: report.valueLost.toString(),
    attackSteps: report.attackSteps.map((step) => ({ ...step, amount: step.amount.toString() })),
  };
}

function formatAmount(value: bigint, decimals: number): string {
  const [whole = '0', fraction = ''] = formatUnits(value, decimals).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction ? `${grouped}.${fraction.slice(0, 2)}` : grouped;
}

/** The report for people: a few aligned lines, printed before the one-line summary. */
export function formatDrillReport(report: DrillReport, options: { configHint?: string } = {}): string {
  const exploitTx = report.attackSteps.find((step) => step.status === 'success')?.txHash;
  const latency = report.headToBroadcastMs === undefined ? '' : `, ${report.headToBroadcastMs.toFixed(1)} ms from the head to the broadcast`;
  const after = report.blocksToContainment === undefined ? '' : ` (${report.blocksToContainment} block${report.blocksToContainment === 1 ? '' : 's'} after the exploit)`;
  const rows: [string, string][] = [
    ['scenario', report.scenario],
    ['exploit', report.exploitBlock === undefined ? 'no successful exploit step' : `block ${report.exploitBlock}, tx ${exploitTx ?? '?'}`],
    ['detected', report.detectedBlock === undefined ? 'not detected' : `block ${report.detectedBlock}`],
    ['pause', pauseLine(report, after, latency)],
    ['value at risk', `${formatAmount(report.valueAtRisk, report.decimals)} ${report.symbol}`],
    ['value lost', `${formatAmount(report.valueLost, report.decimals)} ${report.symbol} (${(report.lostFraction * 100).toFixed(1)}%)`],
    ['incident', report.incidentId ? `${report.incidentId} — warden incidents show ${report.incidentId}${options.configHint ? ` --config ${options.configHint}` : ''}` : 'none'],
  ];
  return ['drill report', ...rows.map(([label, value]) => `  ${label.padEnd(15)}${value}`)].join('\n');
}

function pauseLine(report: DrillReport, after: string, latency: string): string {
  if (!report.pauseTxHash) return 'no pause tx was sent';
  if (report.pauseBlock === undefined) return `tx ${report.pauseTxHash} broadcast${latency}, but not mined successfully — see the incident timeline`;
  return `tx ${report.pauseTxHash} in block ${report.pauseBlock}${after}${latency}${report.contained ? '' : ' — yet the vault is not paused'}`;
}

/** One line for people, e.g. `contained: exploit in block 12, paused in block 13 (1 block), lost 10.0% of 1,000,000 DEMO, incident inc_…`. */
export function formatDrillSummary(report: DrillReport): string {
  const lost = `lost ${(report.lostFraction * 100).toFixed(1)}% of ${formatAmount(report.valueAtRisk, report.decimals)} ${report.symbol}`;
  const incident = report.incidentId ? `incident ${report.incidentId}` : 'no incident recorded';
  if (!report.contained) {
    return `NOT contained: exploit in block ${report.exploitBlock ?? '?'}, the vault was never paused, ${lost}, ${incident}`;
  }
  const blocks = report.blocksToContainment;
  const latency = blocks === undefined ? '' : ` (${blocks} block${blocks === 1 ? '' : 's'})`;
  return `contained: exploit in block ${report.exploitBlock ?? '?'}, paused in block ${report.pauseBlock ?? '?'}${latency}, ${lost}, ${incident}`;
}
