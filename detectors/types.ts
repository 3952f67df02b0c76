/**
 * The detector contract: what a detector sees each block, what it may declare, what it returns.
 *
 * A detector is a pure function of (block context, its own small state). It makes no RPC calls:
 * the chain follower fetches the logs of all watched contracts with one `eth_getLogs` per block and
 * all declared state reads with one `eth_call` (multicall) per block, then hands each detector its part.
 */
import { keccak256, toHex, type Abi, type AbiEvent, type Address, type Hex } from 'viem';

export const severities = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof severities)[number];

/** Orders severities so a plan can say "high or worse". */
export function severityRank(severity: Severity): number {
  return severities.indexOf(severity);
}

/** The parts of a block header warden uses. Block numbers are JS numbers (safe far beyond 2^40). */
export interface BlockHeader {
  number: number;
  hash: Hex;
  parentHash: Hex;
  timestamp: number;
  logsBloom: Hex;
  baseFeePerGas?: bigint;
}

/** A log of a watched contract, decoded with that contract's ABI (eventName undefined if no ABI entry matched). */
export interface DecodedLog {
  address: Address;
  /** Name of the contract in the config. */
  contract: string;
  eventName?: string;
  args: Record<string, unknown>;
  topics: Hex[];
  data: Hex;
  logIndex: number;
  transactionHash: Hex;
  blockNumber: number;
  blockHash: Hex;
}

/**
 * A view call a detector wants evaluated at each block. `key` is unique within the detector;
 * the follower batches all reads of all detectors into one multicall.
 */
export type StateRead =
  | { key: string; type: 'call'; address: Address; abi: Abi; functionName: string; args?: readonly unknown[] }
  | { key: string; type: 'ethBalance'; address: Address };

export type ReadResult = { ok: true; value: unknown } | { ok: false; error: string };

/** What a detector is given for one block. */
export interface BlockContext {
  chainId: number;
  chainName: string;
  block: BlockHeader;
  /** Logs of this detector's watched addresses only, in log order. */
  logs: DecodedLog[];
  /** Results of the reads this detector declared for this block, by read key. */
  reads: Map<string, ReadResult>;
  /** When the follower received this block's head: wall ms and monotonic ns (process-local). */
  observedAt: ObservedAt;
  /**
   * The block's top-level transactions, in block order — only for a detector with `needsTransactions`
   * (fetching them costs one more call per block). `status` is set only when it asked for receipts.
   */
  transactions?: BlockTransaction[];
}

/** A top-level transaction of the block, as a `call`-style detector sees it. */
export interface BlockTransaction {
  hash: Hex;
  from: Address;
  /** undefined for a contract creation. */
  to?: Address;
  input: Hex;
  value: bigint;
  transactionIndex: number;
  /** From the receipt; only when a detector set `needsTransactions: 'receipts'`. */
  status?: 'success' | 'reverted';
}

export interface ObservedAt {
  wallMs: number;
  /** process.hrtime.bigint() as a decimal string; comparable only within the same runId. */
  monoNs: string;
  /** Identifies the process run, so monotonic times are only compared within one run. */
  runId: string;
}

/**
 * Small per-detector, per-chain state kept in Redis (namespaced by the caller).
 * Values are JSON. Keep it small: it is read and written every block.
 */
export interface DetectorState {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, options?: { ttlSeconds?: number }): Promise<void>;
  delete(key: string): Promise<void>;
}

/** What a detector returns; the follower turns it into an Anomaly (adds ids, chain, block, times). */
export interface Finding {
  /** Distinguishes findings of the same detector in the same block, e.g. `${txHash}-${logIndex}`. */
  key: string;
  summary: string;
  txHashes?: Hex[];
  addresses?: Address[];
  /** JSON-safe evidence: bigints as decimal strings. */
  evidence?: Record<string, unknown>;
  /** Overrides the detector's configured severity for this finding. */
  severity?: Severity;
}

export interface Detector {
  id: string;
  kind: string;
  severity: Severity;
  chainId: number;
  /** Contract addresses whose logs this detector needs (lower- or mixed-case). */
  watchedAddresses: Address[];
  /** Event ABIs used to decode those logs (the follower decodes with the contract ABI; this is for bloom filters). */
  events?: AbiEvent[];
  /** Reads needed at this block; return [] for none. Called once per block before the multicall. */
  reads?(block: BlockHeader): StateRead[];
  onBlock(ctx: BlockContext, state: DetectorState): Promise<Finding[]> | Finding[];
  /**
   * The block's transactions are put in `ctx.transactions` (one more call per block, made only when some
   * detector of the chain sets this); `'receipts'` also fetches the block's receipts for `status` (one more).
   */
  needsTransactions?: boolean | 'receipts';
  /** `observe`: its anomalies are recorded and notified, but never paused for (the config's `mode`). Default act. */
  mode?: 'act' | 'observe';
  /** Called when blocks this detector saw were reorged out, so it can forget state derived from them. */
  onReorg?(droppedHashes: Hex[], state: DetectorState): Promise<void> | void;
}

/** A matched anomaly, as queued and recorded. JSON-safe. */
export interface Anomaly {
  /** Deterministic: same chain, detector, block hash and finding key give the same id. */
  id: string;
  detectorId: string;
  kind: string;
  severity: Severity;
  chainId: number;
  blockNumber: number;
  blockHash: Hex;
  txHashes: Hex[];
  summary: string;
  evidence: Record<string, unknown>;
  addresses: Address[];
  observedAt: ObservedAt;
  /** 'observe' anomalies (from a detector in observe mode, or warden's readiness checks) are recorded but take no containment step. */
  mode?: 'act' | 'observe';
}

/**
 * The deterministic anomaly id. BullMQ job ids may not contain ':' nor be integers, so it is
 * `an_` followed by 32 hex characters.
 */
export function anomalyId(parts: { chainId: number; detectorId: string; blockHash: Hex; key: string }): string {
  const digest = keccak256(toHex(`${parts.chainId}|${parts.detectorId}|${parts.blockHash.toLowerCase()}|${parts.key}`));
  return `an_${digest.slice(2, 34)}`;
}

/** JSON-safe copy: bigints become decimal strings (for evidence and queue payloads). */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}
