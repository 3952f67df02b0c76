/**
 * What `warden replay` writes: anomalies as JSON lines or CSV (to stdout or a file, with back-pressure),
 * and the per-detector table that `warden replay` and `warden stats` share.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Anomaly } from '../../detectors/types.js';
import type { DetectorTotals } from '../chain/detector-stats.js';
import { formatTable } from '../cli/table.js';

export type AnomalyFormat = 'jsonl' | 'csv';
export const anomalyFormats: AnomalyFormat[] = ['jsonl', 'csv'];

const csvColumns = ['id', 'detectorId', 'kind', 'severity', 'mode', 'chainId', 'blockNumber', 'blockHash', 'txHashes', 'addresses', 'summary', 'evidence'] as const;

/** RFC 4180: quoted when it holds a comma, quote or line break; quotes doubled. */
export function csvCell(value: unknown): string {
  const text = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function anomalyCsvRow(anomaly: Anomaly): string {
  const cells: Record<(typeof csvColumns)[number], unknown> = {
    ...anomaly,
    mode: anomaly.mode ?? 'act',
    txHashes: anomaly.txHashes.join(' '),
    addresses: anomaly.addresses.join(' '),
    evidence: JSON.stringify(anomaly.evidence),
  };
  return csvColumns.map((column) => csvCell(cells[column])).join(',');
}

export interface AnomalyWriter {
  write(anomalies: Anomaly[]): Promise<void>;
  close(): Promise<void>;
}

/** Writes to `out` (a file, truncated) or stdout. */
export async function createAnomalyWriter(params: { format: AnomalyFormat; out?: string }): Promise<AnomalyWriter> {
  let stream: Writable = process.stdout;
  if (params.out) {
    const file = createWriteStream(params.out);
    await Promise.race([once(file, 'open'), once(file, 'error').then(([error]) => Promise.reject(error as Error))]);
    stream = file;
  }
  const put = async (text: string) => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
  if (params.format === 'csv') await put(`${csvColumns.join(',')}\n`);
  return {
    async write(anomalies) {
      const lines = anomalies.map((a) => (params.format === 'csv' ? anomalyCsvRow(a) : JSON.stringify(a)));
      await put(`${lines.join('\n')}\n`);
    },
    async close() {
      if (stream !== process.stdout) {
        stream.end();
        await once(stream, 'finish');
      }
    },
  };
}

export interface DetectorRow {
  chain?: string;
  id: string;
  kind?: string;
  totals: DetectorTotals;
  firstHitBlock?: number;
  lastHitBlock?: number;
}

/** The per-detector table: evaluations, hits, errors, time, and (for a replay) first and last hit blocks. */
export function formatDetectorTable(rows: DetectorRow[], options: { hitBlocks?: boolean; chain?: boolean } = {}): string {
  const columns = [
    ...(options.chain ? ['chain'] : []),
    'detector',
    'kind',
    'evaluations',
    'hits',
    'errors',
    ...(options.hitBlocks ? ['first hit', 'last hit'] : []),
    'time ms',
    'us/eval',
  ];
  return formatTable(
    rows.map((row) => ({
      chain: row.chain,
      detector: row.id,
      kind: row.kind ?? '?',
      evaluations: row.totals.evaluations,
      hits: row.totals.hits,
      errors: row.totals.errors,
      'first hit': row.firstHitBlock ?? '-',
      'last hit': row.lastHitBlock ?? '-',
      'time ms': row.totals.timeMs.toFixed(1),
      'us/eval': row.totals.evaluations > 0 ? ((row.totals.timeMs * 1000) / row.totals.evaluations).toFixed(1) : '-',
    })),
    columns,
  );
}
