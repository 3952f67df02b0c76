/**
 * The local spool: an append-only JSON-lines file that holds what was meant for Redis while Redis
 * was unreachable (anomalies, checkpoints, detector state, pause records, timeline entries), until
 * it is replayed (replay.ts).
 *
 * Guarantees:
 * - An entry is on disk (written and fsynced) when `append` returns: a checkpoint spooled after the
 *   block's anomalies survives a crash only together with them, in that order.
 * - Each process appends to its own file (`spool-<host>-<pid>.jsonl` in `dir`), so replicas sharing a
 *   directory never interleave. A file whose process is gone (same host, pid not alive) is an orphan:
 *   the next process that drains adopts it, so a warden killed during an outage loses nothing.
 * - `drain` renames the live file before replaying it, so appends made during the replay land in a
 *   fresh file and are drained in the next round; a file is deleted only after its entries were
 *   applied. A crash mid-replay leaves the file to be replayed again: apply must be idempotent.
 * - A last line cut short by a crash mid-write is skipped (and counted), never a reason to stop.
 *
 * Appends are synchronous: they happen only during an outage, a few per block, and keeping them
 * synchronous is what makes the order of entries the order of calls.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Anomaly } from '../../detectors/types.js';
import type { BlockRef } from '../chain/checkpoint.js';
import type { TimelineEntry } from '../incidents/types.js';
import type { PauseRecord } from '../../responders/pause-record.js';

/** One thing meant for Redis. Kinds are applied by replay.ts in file order. */
export type SpoolEntry =
  | { kind: 'checkpoint'; chainId: number; block: BlockRef; rewind?: boolean }
  | { kind: 'anomalies'; chainId: number; anomalies: Anomaly[] }
  /** A detector state write; `json` absent means deleted. `expiresAt` in ms since epoch. */
  | { kind: 'detector-state'; chainId: number; detectorId: string; key: string; json?: string; expiresAt?: number }
  /** Containment started without Redis for this anomaly (its incident is opened on replay). */
  | { kind: 'contain-started'; anomaly: Anomaly }
  | { kind: 'timeline'; anomalyId: string; entry: TimelineEntry; onceKey?: string }
  | { kind: 'pause-record'; anomalyId: string; recordKey: string; record: PauseRecord }
  | { kind: 'contained'; anomalyId: string }
  /** Processed blocks dropped by a reorg: incidents they triggered are annotated on replay. */
  | { kind: 'reorg'; chainId: number; droppedHashes: string[] };

export interface SpoolSize {
  /** Entries not yet replayed (this process's and adopted files). */
  entries: number;
  bytes: number;
}

export interface DrainResult {
  entries: number;
  files: number;
  /** Lines that were not valid JSON (a write cut short by a crash). */
  skipped: number;
}

export interface Spool {
  /** Writes one entry and fsyncs it. Throws only if the disk refuses (then nothing is lost silently: the caller fails). */
  append(entry: SpoolEntry): void;
  size(): SpoolSize;
  /**
   * Replays every file (own and orphaned) through `apply`, round after round, until none is left;
   * then calls `onEmpty` synchronously — before any further append can happen. Throws what `apply`
   * throws (the file stays for the next drain).
   */
  drain(apply: (entries: SpoolEntry[]) => Promise<void>, onEmpty?: () => void): Promise<DrainResult>;
  /** The file this process appends to. */
  path: string;
  close(): void;
}

export interface CreateSpoolParameters {
  dir: string;
  /** Default this host's name; with `pid`, names this process's file. */
  host?: string;
  pid?: number;
  /** Whether a process of this host is alive; default `process.kill(pid, 0)`. */
  isAlive?(pid: number): boolean;
}

const fileName = /^spool-(.+)-(\d+)(?:\.(\d+)\.replaying)?\.jsonl$/;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function createSpool(params: CreateSpoolParameters): Spool {
  const host = (params.host ?? hostname()).replace(/[^A-Za-z0-9_.-]/g, '_');
  const pid = params.pid ?? process.pid;
  const isAlive = params.isAlive ?? pidAlive;
  const path = join(params.dir, `spool-${host}-${pid}.jsonl`);
  let fd: number | undefined;
  let sequence = 0;
  /** Entries and bytes appended to the live file since it was last rotated. */
  let live = { entries: 0, bytes: 0 };

  const ensureDir = () => mkdirSync(params.dir, { recursive: true });

  /** Files this drain may replay: ours (rotated), and those of dead processes of this host. */
  function replayable(): string[] {
    if (!existsSync(params.dir)) return [];
    return readdirSync(params.dir)
      .flatMap((name) => {
        const match = fileName.exec(name);
        if (!match || match[1] !== host) return [];
        const owner = Number(match[2]);
        const ours = owner === pid;
        if (ours && !match[3]) return []; // the live file: rotated first
        if (!ours && isAlive(owner)) return [];
        return [{ name, rotation: Number(match[3] ?? 0) }];
      })
      .sort((a, b) => a.rotation - b.rotation || a.name.localeCompare(b.name))
      .map((file) => join(params.dir, file.name));
  }

  function rotateLive(): void {
    if (live.entries === 0 && !existsSync(path)) return;
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    if (existsSync(path)) renameSync(path, join(params.dir, `spool-${host}-${pid}.${Date.now()}${String(sequence++).padStart(4, '0')}.replaying.jsonl`));
    live = { entries: 0, bytes: 0 };
  }

  function readEntries(file: string): { entries: SpoolEntry[]; skipped: number } {
    const entries: SpoolEntry[] = [];
    let skipped = 0;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        entries.push(JSON.parse(line) as SpoolEntry);
      } catch {
        skipped += 1;
      }
    }
    return { entries, skipped };
  }

  return {
    path,
    append(entry) {
      if (fd === undefined) {
        ensureDir();
        fd = openSync(path, 'a', 0o600);
      }
      const line = `${JSON.stringify(entry)}\n`;
      writeSync(fd, line);
      fsyncSync(fd);
      live = { entries: live.entries + 1, bytes: live.bytes + Buffer.byteLength(line) };
    },
    size() {
      let { entries, bytes } = live;
      for (const file of replayable()) {
        try {
          const text = readFileSync(file, 'utf8');
          bytes += statSync(file).size;
          entries += text.split('\n').filter((line) => line.trim() !== '').length;
        } catch {
          // Deleted by a drain meanwhile.
        }
      }
      return { entries, bytes };
    },
    async drain(apply, onEmpty) {
      const result: DrainResult = { entries: 0, files: 0, skipped: 0 };
      for (;;) {
        rotateLive();
        const files = replayable();
        if (files.length === 0) {
          onEmpty?.();
          return result;
        }
        for (const file of files) {
          const { entries, skipped } = readEntries(file);
          await apply(entries);
          unlinkSync(file);
          result.entries += entries.length;
          result.skipped += skipped;
          result.files += 1;
        }
      }
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
