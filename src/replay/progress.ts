/**
 * Replay progress on stderr: a live bar (cli-progress) with blocks/s and ETA on a terminal; on a pipe or
 * a file, a plain line every few seconds (and one at the end), so CI logs stay readable.
 */
import cliProgress from 'cli-progress';
import type { ReplayProgress } from './replay.js';

export interface ProgressReporter {
  update(progress: ReplayProgress): void;
  stop(): void;
}

export interface ProgressReporterParameters {
  stream?: NodeJS.WriteStream;
  /** Seconds between plain lines when not a terminal. Default 5. */
  intervalSeconds?: number;
  /** Forces the mode (tests); default: bar when the stream is a TTY. */
  tty?: boolean;
}

export function createProgressReporter(params: ProgressReporterParameters = {}): ProgressReporter {
  const stream = params.stream ?? process.stderr;
  const startedAt = Date.now();
  const rate = (done: number) => done / Math.max(0.001, (Date.now() - startedAt) / 1000);
  if (params.tty ?? stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: 'replay {bar} {percentage}% | {value}/{total} blocks | {speed} blocks/s | {logs} logs | {anomalies} anomalies | ETA {eta_formatted}',
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(p) {
        const payload = { speed: Math.round(rate(p.doneBlocks)), logs: p.logs, anomalies: p.anomalies };
        if (!started) {
          bar.start(p.totalBlocks, p.doneBlocks, payload);
          started = true;
        } else bar.update(p.doneBlocks, payload);
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  const intervalMs = (params.intervalSeconds ?? 5) * 1000;
  let lastLineAt = startedAt;
  let last: ReplayProgress | undefined;
  const line = (p: ReplayProgress) => {
    const speed = rate(p.doneBlocks);
    const etaSeconds = speed > 0 ? Math.round((p.totalBlocks - p.doneBlocks) / speed) : undefined;
    const percent = Math.floor((p.doneBlocks / p.totalBlocks) * 100);
    stream.write(
      `replay: ${p.doneBlocks}/${p.totalBlocks} blocks (${percent}%), ${Math.round(speed)} blocks/s, ${p.logs} logs, ${p.anomalies} anomalies` +
        `${etaSeconds !== undefined && p.doneBlocks < p.totalBlocks ? `, ETA ${etaSeconds}s` : ''}\n`,
    );
  };
  return {
    update(p) {
      last = p;
      if (Date.now() - lastLineAt >= intervalMs) {
        lastLineAt = Date.now();
        line(p);
      }
    },
    stop() {
      if (last) line(last);
    },
  };
}
