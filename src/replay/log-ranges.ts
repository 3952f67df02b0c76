/**
 * `eth_getLogs` over a block range, in windows that adapt to what the provider accepts.
 *
 * Providers cap log queries by block span or by result count ("query returned more than 10000
 * results", "block range too large", code -32005, a timeout on a huge range). A refused window is
 * halved — or cut to the range the provider suggests, when its message names one — and retried; after
 * a few accepted windows with room to spare the span doubles again, so a dense stretch of history does
 * not slow down the sparse stretches after it. Other failures are retried with backoff a few times.
 *
 * @example
 *   const windows = createLogWindows({ client, address: watched });
 *   for (let from = 100; from <= 200; ) { const w = await windows.next(from, 200); use(w.logs); from = w.to + 1; }
 */
import { BaseError, TimeoutError, formatLog, numberToHex, type Address, type Hex, type Log, type PublicClient } from 'viem';
import { describeError } from '../errors.js';
import { backoffMs, sleep } from '../chain/retry.js';

export interface LogWindowsParameters {
  client: PublicClient;
  address: Address[];
  /** topic0 alternatives to filter on; omitted: every log of the addresses. */
  topics?: Hex[];
  /** First window, in blocks. Default 2,000. */
  initialSpan?: number;
  /** Largest window. Default 100,000. */
  maxSpan?: number;
  /** The span doubles after an accepted window with fewer logs than this. Default 5,000. */
  growBelowLogs?: number;
  /** Retries of a failure that is not a refusal (transport errors). Default 4. */
  retries?: number;
  retryBaseMs?: number;
  /** Told about every refusal (for logs and tests). */
  onRefused?(info: { from: number; to: number; nextSpan: number; reason: string }): void;
}

export interface LogWindow {
  from: number;
  to: number;
  logs: Log[];
}

export interface LogWindows {
  /** Logs of the next window starting at `from` and ending at or before `to`. */
  next(from: number, to: number): Promise<LogWindow>;
  /** The current span (blocks). */
  span(): number;
  /** Windows refused so far. */
  refusals(): number;
}

/** The provider refused even a single block: nothing smaller can be asked for. */
export class LogRangeRefusedError extends Error {
  override name = 'LogRangeRefusedError';
}

const refusalPattern =
  /more than \d+ (results|logs)|block range|range (is )?too (large|wide|big)|too (many|large) (results|logs|blocks)|limit exceeded|response size|exceed(s|ed)? (the )?(max|maximum|limit)|query timeout|query returned more than/i;

/** Whether `error` is a provider refusing the size of a log query (as opposed to a failure worth retrying as is). */
export function isRangeRefusal(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  let refused = false;
  const check = (e: unknown) => {
    if (!e || typeof e !== 'object') return false;
    const { code, message, details, shortMessage } = e as { code?: unknown; message?: unknown; details?: unknown; shortMessage?: unknown };
    if (code === -32005 || e instanceof TimeoutError) return true;
    return [message, details, shortMessage].some((text) => typeof text === 'string' && refusalPattern.test(text));
  };
  if (error instanceof BaseError) error.walk((e) => (refused ||= check(e)));
  return refused || check(error);
}

function isTimeout(error: unknown): boolean {
  return error instanceof BaseError ? Boolean(error.walk((e) => e instanceof TimeoutError)) : false;
}

/** The size of a range the provider suggests ("Try with this block range [0x1, 0x7d0]"), if any. */
export function suggestedSpan(error: unknown): number | undefined {
  const text = error instanceof Error ? `${error.message} ${(error as { details?: string }).details ?? ''}` : String(error);
  const match = /\[\s*(0x[0-9a-f]+)\s*,\s*(0x[0-9a-f]+)\s*\]/i.exec(text);
  if (!match) return undefined;
  const span = Number(BigInt(match[2]!) - BigInt(match[1]!)) + 1;
  return span > 0 ? span : undefined;
}

export function createLogWindows(params: LogWindowsParameters): LogWindows {
  const maxSpan = params.maxSpan ?? 100_000;
  const growBelow = params.growBelowLogs ?? 5_000;
  const retries = params.retries ?? 4;
  let span = Math.min(params.initialSpan ?? 2_000, maxSpan);
  let refusals = 0;
  /** Accepted windows since the last refusal; growing waits for a few, so a limit is not hit every other call. */
  let streak = 0;

  async function query(from: number, to: number): Promise<Log[]> {
    const filter = {
      address: params.address,
      fromBlock: numberToHex(from),
      toBlock: numberToHex(to),
      ...(params.topics ? { topics: [params.topics] } : {}),
    };
    const raw = (await params.client.request({ method: 'eth_getLogs', params: [filter] } as never)) as Parameters<typeof formatLog>[0][];
    return raw.map((log) => formatLog(log));
  }

  return {
    span: () => span,
    refusals: () => refusals,
    async next(from, to) {
      for (let attempt = 0; ; ) {
        const end = Math.min(to, from + span - 1);
        try {
          const logs = await query(from, end);
          streak++;
          if (streak >= 3 && logs.length < growBelow && end - from + 1 === span) span = Math.min(maxSpan, span * 2);
          return { from, to: end, logs };
        } catch (error) {
          const width = end - from + 1;
          // A timeout on one block is a slow or dead endpoint, not a refusal: retried below.
          if (isRangeRefusal(error) && !(width === 1 && isTimeout(error))) {
            if (width === 1) throw new LogRangeRefusedError(`the provider refuses eth_getLogs even for block ${from} alone: ${describeError(error)}`);
            const suggested = suggestedSpan(error);
            span = Math.max(1, suggested !== undefined && suggested < width ? suggested : Math.floor(width / 2));
            refusals++;
            streak = 0;
            params.onRefused?.({ from, to: end, nextSpan: span, reason: describeError(error) });
            continue;
          }
          if (attempt++ >= retries) throw error;
          await sleep(backoffMs(attempt - 1, params.retryBaseMs ?? 250));
        }
      }
    },
  };
}
