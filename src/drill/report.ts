/**
 * The drill report: what happened, how fast warden contained it, and how much was lost.
 * Block numbers come from the chain (receipts), latencies from the incident timeline.
 */
import { Redis } from 'ioredis';
import { createPublicClient, formatUnits, http, parseAbi, type Address, type Hex } from 'viem';
import { safeAbi } from '../../responders/safe/safe-tx.js';
import type { Anomaly } from '../../detectors/types.js';
import type { Incident, IncidentStore } from '../incidents/store.js';
import type { TimelineEntry } from '../incidents/types.js';
import type { DrainAttackResult } from './attack.js';
import type { CosignerExecution } from './cosigners.js';
import type { DrillGuardian, GuardianMode } from './guardian-modes.js';

/** How the drill's pause reached the vault (`--guardian`). */
export interface DrillGuardianSummary {
  mode: GuardianMode;
  /** The EOA warden signs with. */
  guardian: Address;
  /** Holds PAUSER_ROLE on the vault: the guardian (eoa) or the Safe. */
  pauser: Address;
  safe?: Address;
  owners?: Address[];
  threshold?: number;
  /** safe-module: the Roles module and the guardian's role on it. */
  module?: Address;
  roleName?: string;
  /** The Safe's nonce before the attack and at the end (a SafeTx uses one; a module call none). */
  safeNonceAtStart?: number;
  safeNonceAtEnd?: number;
  /** safe-propose: containment waited for the co-signers to sign and execute warden's proposal. */
  awaitsCosigners: boolean;
}

/** safe-propose: warden's proposal to the co-signers. */
export interface DrillProposal {
  safeTxHash: Hex;
  /** The head when warden proposed. */
  proposedBlock?: number;
  /** From receiving the head of the detecting block to recording the proposal. */
  headToProposalMs?: number;
  signingUrl?: string;
}

export interface DrillReport {
  scenario: string;
  /** The demo vault the drill attacked (on the drill's chain). */
  vault: Address;
  guardian: DrillGuardianSummary;
  proposal?: DrillProposal;
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
  guardian: DrillGuardian;
  /** safe-propose: what the drill's co-signers executed (used when the incident does not name the execution). */
  cosignerExecutions?: readonly CosignerExecution[];
}): Promise<DrillReport> {
  const { protocol, attack, incident, guardian } = params;
  const client = createPublicClient({ transport: http(params.rpcUrl) });
  const [contained, safeNonceAtEnd] = await Promise.all([
    client.readContract({ address: protocol.vault, abi: parseAbi(['function paused() view returns (bool)']), functionName: 'paused' }),
    guardian.safe ? client.readContract({ address: guardian.safe.address, abi: safeAbi, functionName: 'nonce' }) : undefined,
  ]);
  const timeline = incident?.timeline ?? [];
  const last = (predicate: (entry: TimelineEntry) => boolean) => [...timeline].reverse().find(predicate);
  const broadcast = last((entry) => entry.type === 'tx-broadcast');
  const mined = last((entry) => entry.type === 'tx-mined' && entry.data.status === 'success');
  const proposed = last((entry) => entry.type === 'safe-tx-proposed');
  const executed = last((entry) => entry.type === 'safe-tx-executed' && entry.data.success === true);
  const cosigned = params.cosignerExecutions?.find((execution) => execution.success && execution.safeTxHash === proposed?.data.safeTxHash);
  const pauseTxHash = (mined?.data.txHash ?? broadcast?.data.txHash ?? executed?.data.txHash ?? cosigned?.txHash) as Hex | undefined;
  const pauseBlockOf = mined ?? executed;
  const pauseBlock = pauseBlockOf ? Number(pauseBlockOf.data.blockNumber) : cosigned?.blockNumber;
  const firstAnomaly = params.anomalies
    .filter((anomaly) => incident?.anomalyIds.includes(anomaly.id))
    .sort((a, b) => a.blockNumber - b.blockNumber)[0];
  const msFromHead = (entry: TimelineEntry | undefined) =>
    entry && firstAnomaly && entry.runId === firstAnomaly.observedAt.runId
      ? Number(BigInt(entry.monoNs) - BigInt(firstAnomaly.observedAt.monoNs)) / 1e6
      : undefined;
  const lostFraction = protocol.totalDeposits === 0n ? 0 : Number((attack.valueLost * 1_000_000n) / protocol.totalDeposits) / 1_000_000;
  const proposal: DrillProposal | undefined = proposed && {
    safeTxHash: proposed.data.safeTxHash as Hex,
    proposedBlock: proposed.data.proposedAtBlock === undefined ? undefined : Number(proposed.data.proposedAtBlock),
    headToProposalMs: msFromHead(proposed),
    signingUrl: proposed.data.signingUrl as string | undefined,
  };
  return {
    scenario: drillScenario,
    vault: protocol.vault,
    guardian: {
      mode: guardian.mode,
      guardian: guardian.guardian,
      pauser: guardian.pauser,
      safe: guardian.safe?.address,
      owners: guardian.safe?.owners,
      threshold: guardian.safe?.threshold,
      module: guardian.module?.address,
      roleName: guardian.module?.roleName,
      safeNonceAtStart: guardian.safe?.nonceAtStart,
      safeNonceAtEnd: safeNonceAtEnd === undefined ? undefined : Number(safeNonceAtEnd),
      awaitsCosigners: guardian.mode === 'safe-propose',
    },
    proposal,
    exploitBlock: attack.exploitBlock,
    detectedBlock: firstAnomaly?.blockNumber,
    pauseTxHash,
    pauseBlock,
    blocksToContainment: pauseBlock !== undefined && attack.exploitBlock !== undefined ? pauseBlock - attack.exploitBlock : undefined,
    headToBroadcastMs: msFromHead(broadcast),
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
    ['guardian', guardianLine(report.guardian)],
    ['exploit', report.exploitBlock === undefined ? 'no successful exploit step' : `block ${report.exploitBlock}, tx ${exploitTx ?? '?'}`],
    ['detected', report.detectedBlock === undefined ? 'not detected' : `block ${report.detectedBlock}`],
    ['pause', pauseLine(report, after, latency)],
    ['value at risk', `${formatAmount(report.valueAtRisk, report.decimals)} ${report.symbol}`],
    ['value lost', `${formatAmount(report.valueLost, report.decimals)} ${report.symbol} (${(report.lostFraction * 100).toFixed(1)}%)`],
    ['incident', report.incidentId ? `${report.incidentId} — warden incidents show ${report.incidentId}${options.configHint ? ` --config ${options.configHint}` : ''}` : 'none'],
  ];
  return ['drill report', ...rows.map(([label, value]) => `  ${label.padEnd(15)}${value}`)].join('\n');
}

const short = (address: Address) => `${address.slice(0, 6)}…${address.slice(-4)}`;

/** Who holds the pauser role and how warden reached it, in one line. */
function guardianLine(guardian: DrillGuardianSummary): string {
  const nonce = guardian.safeNonceAtStart === undefined ? '' : `; Safe nonce ${guardian.safeNonceAtStart} → ${guardian.safeNonceAtEnd ?? '?'}`;
  const safe = guardian.safe ? short(guardian.safe) : '?';
  switch (guardian.mode) {
    case 'eoa':
      return `eoa — the guardian ${short(guardian.guardian)} holds PAUSER_ROLE and calls pause()`;
    case 'safe':
      return `safe — Safe ${safe} (${guardian.threshold} of ${guardian.owners?.length}: the guardian ${short(guardian.guardian)}) holds PAUSER_ROLE; the guardian sends execTransaction${nonce}`;
    case 'safe-module':
      return `safe-module — Safe ${safe} (owned by ${guardian.owners?.map(short).join(', ')}, not the guardian) holds PAUSER_ROLE; the guardian ${short(guardian.guardian)} has role ${guardian.roleName} on module ${guardian.module ? short(guardian.module) : '?'}, allowed only vault.pause()${nonce}`;
    case 'safe-propose':
      return `safe-propose — Safe ${safe} (${guardian.threshold} of ${guardian.owners?.length}: the guardian and a co-signer) holds PAUSER_ROLE; warden proposes, the co-signers sign and execute${nonce}`;
  }
}

function pauseLine(report: DrillReport, after: string, latency: string): string {
  if (report.guardian.awaitsCosigners) return proposalLine(report, after);
  if (!report.pauseTxHash) return 'no pause tx was sent';
  if (report.pauseBlock === undefined) return `tx ${report.pauseTxHash} broadcast${latency}, but not mined successfully — see the incident timeline`;
  return `tx ${report.pauseTxHash} in block ${report.pauseBlock}${after}${latency}${report.contained ? '' : ' — yet the vault is not paused'}`;
}

function proposalLine(report: DrillReport, after: string): string {
  const proposal = report.proposal;
  if (!proposal) return 'warden made no proposal to the co-signers — see the incident timeline';
  const latency = proposal.headToProposalMs === undefined ? '' : `, ${proposal.headToProposalMs.toFixed(1)} ms from the head`;
  const proposed = `SafeTx ${proposal.safeTxHash} proposed at block ${proposal.proposedBlock ?? '?'}${latency}`;
  if (report.pauseBlock === undefined) return `${proposed}; the co-signers have not executed it`;
  const waitedBlocks = proposal.proposedBlock === undefined ? undefined : report.pauseBlock - proposal.proposedBlock;
  const waited = waitedBlocks === undefined ? '' : `, ${waitedBlocks} block${waitedBlocks === 1 ? '' : 's'} waiting for the co-signers`;
  return `${proposed}; the co-signers executed it in tx ${report.pauseTxHash ?? '?'} in block ${report.pauseBlock}${after}${waited}${report.contained ? '' : ' — yet the vault is not paused'}`;
}

/** One line for people, e.g. `contained: exploit in block 12, paused in block 13 (1 block), lost 10.0% of 1,000,000 DEMO, incident inc_…`. */
export function formatDrillSummary(report: DrillReport): string {
  const lost = `lost ${(report.lostFraction * 100).toFixed(1)}% of ${formatAmount(report.valueAtRisk, report.decimals)} ${report.symbol}`;
  const incident = report.incidentId ? `incident ${report.incidentId}` : 'no incident recorded';
  if (!report.contained) {
    return `NOT contained: exploit in block ${report.exploitBlock ?? '?'}, the vault was never paused, ${lost}, ${incident}`;
  }
  const blocks = report.blocksToContainment;
  const how = { eoa: '', safe: ', through the pause Safe', 'safe-module': ', through the Safe\'s pause-only role', 'safe-propose': ', waiting for the co-signers' }[report.guardian.mode];
  const latency = blocks === undefined ? (how ? ` (${how.slice(2)})` : '') : ` (${blocks} block${blocks === 1 ? '' : 's'}${how})`;
  return `contained: exploit in block ${report.exploitBlock ?? '?'}, paused in block ${report.pauseBlock ?? '?'}${latency}, ${lost}, ${incident}`;
}
