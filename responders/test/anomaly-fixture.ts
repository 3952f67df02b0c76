/** Builds anomalies for the respond tests (queue, incidents, plan runner). */
import { anomalyId, type Anomaly } from '../../detectors/types.js';
import type { Address, Hex } from 'viem';

let counter = 0;

export function makeAnomaly(overrides: Partial<Anomaly> & { key?: string } = {}): Anomaly {
  counter += 1;
  const chainId = overrides.chainId ?? 31337;
  const detectorId = overrides.detectorId ?? 'vault-drain';
  const blockHash = overrides.blockHash ?? (`0x${counter.toString(16).padStart(64, '0')}` as Hex);
  const { key, ...rest } = overrides;
  return {
    id: anomalyId({ chainId, detectorId, blockHash, key: key ?? `k${counter}` }),
    detectorId,
    kind: 'event',
    severity: 'high',
    chainId,
    blockNumber: 100 + counter,
    blockHash,
    txHashes: [],
    summary: 'a test anomaly',
    evidence: {},
    addresses: [] as Address[],
    observedAt: { wallMs: Date.now(), monoNs: process.hrtime.bigint().toString(), runId: 'test' },
    ...rest,
  };
}
