/**
 * The shape of an anomaly warden raises about the chain itself rather than about a protocol (detector
 * id and kind `liveness`): recorded and notified through the plan, never paused for (mode `observe`).
 * Plan rules route them with `match: { detectors: [liveness] }` (the id is reserved), and their
 * incidents have protocol `warden-liveness` (src/plan/match.ts).
 */
import { anomalyId, type Anomaly, type Severity } from '../../detectors/types.js';
import type { BlockRef } from '../chain/checkpoint.js';
import { processRunId } from '../run-id.js';

export const livenessDetectorId = 'liveness';

export interface LivenessAnomalyParams {
  chainId: number;
  /** The block it is anchored at. */
  block: BlockRef;
  /** With the chain and block, makes the id: the same event seen twice (a replica, a restart) is one anomaly. */
  key: string;
  severity: Severity;
  summary: string;
  evidence: Record<string, unknown>;
}

export function livenessAnomaly(params: LivenessAnomalyParams): Anomaly {
  const { chainId, block } = params;
  return {
    id: anomalyId({ chainId, detectorId: livenessDetectorId, blockHash: block.hash, key: params.key }),
    detectorId: livenessDetectorId,
    kind: 'liveness',
    severity: params.severity,
    chainId,
    blockNumber: block.number,
    blockHash: block.hash,
    txHashes: [],
    summary: params.summary,
    evidence: params.evidence,
    addresses: [],
    observedAt: { wallMs: Date.now(), monoNs: process.hrtime.bigint().toString(), runId: processRunId },
    mode: 'observe',
  };
}
