/**
 * Where heads come from: `newHeads` over WebSocket when urls are given, HTTP polling otherwise —
 * and whenever the socket is down. A broken socket is reconnected with backoff (to the next url)
 * while polling covers for it; a socket that stays silent while HTTP sees new blocks, or whose heads
 * trail the HTTP endpoints by more than `maxLag`, counts as broken and its url cools down.
 *
 * No new block for `stallMs` from any endpoint, even after switching, is a stall: reported once
 * (`onStall`) and its end too (`onRecovered`, at the next new block). See docs/reliability.md.
 *
 * The source only reports heads; ordering, gap filling and reorgs are the follower's job, so a
 * head reported twice or out of order is harmless.
 */
import { redactUrl } from '../log.js';
import { formatBlock, webSocket, type Block, type PublicClient, type RpcBlock } from 'viem';
import type { Logger } from 'pino';
import type { BlockHeader } from '../../detectors/types.js';
import { describeError } from '../errors.js';
import { backoffMs } from './retry.js';
import { toHeader } from './block-header.js';

/** The header fields warden uses, each checked (block-header.ts); here for the callers that import it from heads. */
export { toHeader } from './block-header.js';

export interface HeadSourceParams {
  client: PublicClient;
  wsUrls: string[];
  chainName: string;
  /** Poll interval while polling. */
  pollIntervalMs: number;
  /** No new block for this long is a stall: switch endpoints, poll, report it (`onStall`). */
  stallMs: number;
  log: Logger;
  onHead(header: BlockHeader): void;
  /**
   * Checks a head before it is reported (block-fetcher.ts `checkHeader`: its hash recomputed or confirmed);
   * default: the fields parse. A head it refuses is dropped and logged.
   */
  checkHeader?(block: Block): Promise<BlockHeader>;
  /** The best head the HTTP endpoints report (background samples): a socket trailing it by more than `maxLag` is switched. */
  bestHead?: () => number | undefined;
  maxLag?: number;
  /** At a stall, before polling once more: e.g. re-sample the HTTP endpoints so a frozen one drops out. */
  onSwitch?: () => Promise<void>;
  /** No new block for `stallMs` from any endpoint, even after switching: called once per stall. */
  onStall?(stall: HeadStall): void;
  /** The first new block after a stall. */
  onRecovered?(recovery: HeadRecovery): void;
  /** How long a socket url that lagged or went silent while HTTP moved stays out of rotation. Default 10 × stallMs. */
  wsCooldownMs?: number;
}

export interface HeadStall {
  /** The highest block seen before the stall (undefined if none yet). */
  lastHead?: number;
  stalledForMs: number;
  mode: 'ws' | 'poll';
}

export interface HeadRecovery {
  head: number;
  /** From the last block before the stall to this one. */
  stalledForMs: number;
}

export interface HeadSource {
  start(): void;
  stop(): Promise<void>;
  /** 'ws' while the socket delivers heads, else 'poll'. */
  mode(): 'ws' | 'poll';
  /** True from a stall until the next new block. */
  stalled(): boolean;
}

export function createHeadSource(params: HeadSourceParams): HeadSource {
  const { client, wsUrls, log, onHead } = params;
  const checkHeader = params.checkHeader ?? (async (block: Block) => toHeader(block));
  const wsCooldownMs = params.wsCooldownMs ?? params.stallMs * 10;
  let stopped = false;
  let mode: 'ws' | 'poll' = 'poll';
  let pollTimer: NodeJS.Timeout | undefined;
  let polling = false;
  let pollGeneration = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let watchdog: NodeJS.Timeout | undefined;
  let reconnectAttempt = 0;
  let closeSocket: (() => void) | undefined;
  let failSocket: ((reason: string) => void) | undefined;
  /** The last head reported: a poll that reads it again reports nothing (set only on delivery, so a poll whose result was dropped is read again). */
  let lastDeliveredHash: string | undefined;
  let refusedHeadPoll: Promise<void> | undefined;
  /** The socket url in use (index into wsUrls) and when each may be used again after lagging or going silent. */
  let wsIndex = -1;
  const wsOutUntil = wsUrls.map(() => 0);
  /** The highest block number seen from any source, and when it arrived: a stall is no new one for stallMs. */
  let highest: number | undefined;
  let lastNewHeadAt = Date.now();
  let stalledSince: number | undefined;
  let checking = false;
  let lastCheckAt = 0;

  /** Every head goes out through here; a higher number than ever seen ends a stall. */
  function deliver(header: BlockHeader) {
    lastDeliveredHash = header.hash;
    if (highest === undefined || header.number > highest) {
      highest = header.number;
      lastNewHeadAt = Date.now();
      if (stalledSince !== undefined) {
        const stalledForMs = Date.now() - stalledSince;
        stalledSince = undefined;
        log.info({ block: header.number, stalledForMs }, 'new block after a stall: the head moves again');
        params.onRecovered?.({ head: header.number, stalledForMs });
      }
    }
    onHead(header);
  }

  async function pollOnce(): Promise<BlockHeader | undefined> {
    const header = await checkHeader(await client.getBlock({ blockTag: 'latest' }));
    return header.hash === lastDeliveredHash ? undefined : header;
  }

  function startPolling() {
    if (polling || stopped) return;
    polling = true;
    // A poll still in flight from before a stop must not start a second loop beside this one.
    const generation = ++pollGeneration;
    const current = () => polling && generation === pollGeneration;
    const tick = async () => {
      if (!current()) return;
      try {
        const header = await pollOnce();
        if (header && current()) deliver(header);
      } catch (error) {
        log.warn({ err: describeError(error) }, 'polling for heads failed; retrying');
      }
      if (current()) pollTimer = setTimeout(tick, params.pollIntervalMs);
    };
    void tick();
  }

  function stopPolling() {
    polling = false;
    clearTimeout(pollTimer);
  }

  /** Takes the current socket url out of rotation for a while (it lagged, or stayed silent while HTTP moved). */
  function coolSocketUrl(reason: string) {
    if (wsIndex < 0) return;
    wsOutUntil[wsIndex] = Date.now() + wsCooldownMs;
    log.warn({ url: redactUrl(wsUrls[wsIndex]!), reason, backInMs: wsCooldownMs }, 'WebSocket endpoint out of rotation for a cool-down');
  }

  /** The next socket url after the current one that is not cooling down (else the one back soonest). */
  function nextSocketUrl(): number {
    const now = Date.now();
    const candidates = wsUrls.map((_, step) => (wsIndex + 1 + step) % wsUrls.length);
    return candidates.find((index) => wsOutUntil[index]! <= now) ?? candidates.reduce((a, b) => (wsOutUntil[b]! < wsOutUntil[a]! ? b : a));
  }

  function socketFailed(reason: string) {
    closeSocket?.();
    closeSocket = undefined;
    failSocket = undefined;
    if (stopped) return;
    mode = 'poll';
    startPolling();
    // Not before the next url's cool-down ends (a single url that lagged: poll until then).
    const delay = Math.max(backoffMs(reconnectAttempt++, 500, 30_000), wsOutUntil[nextSocketUrl()]! - Date.now());
    log.warn({ reason, reconnectInMs: delay }, 'newHeads socket down; polling over HTTP until it is back');
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(() => void connect(), delay);
  }

  async function connect() {
    if (stopped) return;
    wsIndex = nextSocketUrl();
    const url = wsUrls[wsIndex]!;
    // reconnect: false — we own reconnection (with backoff and polling meanwhile); viem's own gives up after 5 tries.
    const transport = webSocket(url, { reconnect: false, timeout: params.stallMs })({});
    let failed = false;
    try {
      const rpc = await transport.value!.getRpcClient();
      const fail = (reason: string) => {
        if (failed) return;
        failed = true;
        socketFailed(reason);
      };
      closeSocket = () => rpc.close();
      await transport.value!.subscribe({
        params: ['newHeads'],
        onData: (data) => {
          if (failed) return;
          const refuse = (error: unknown) => {
            log.warn({ err: describeError(error) }, 'ignoring malformed newHeads payload');
            // The block it announced is still new: read the head over HTTP rather than wait a block for it
            // (one read at a time, however fast a broken socket sends).
            if (refusedHeadPoll) return;
            refusedHeadPoll = pollOnce()
              .then((h) => void (h && !stopped && deliver(h)))
              .catch(() => {})
              .finally(() => (refusedHeadPoll = undefined));
          };
          let block: Block;
          try {
            // viem hands over the notification's params: { subscription, result }.
            block = formatBlock((data as unknown as { result: RpcBlock }).result);
          } catch (error) {
            return refuse(error);
          }
          void checkHeader(block).then((header) => {
            if (failed || stopped) return;
            const behind = (params.bestHead?.() ?? header.number) - header.number;
            if (params.maxLag !== undefined && behind > params.maxLag) {
              coolSocketUrl(`newHeads ${behind} blocks behind the best HTTP endpoint`);
              return fail(`newHeads lag the HTTP endpoints by ${behind} blocks`);
            }
            deliver(header);
          }, refuse);
        },
        onError: (error: unknown) => fail(describeError(error)),
      });
      if (stopped) return rpc.close();
      if (failed) return;
      log.info({ url: redactUrl(url) }, 'following newHeads over WebSocket');
      mode = 'ws';
      failSocket = fail;
      reconnectAttempt = 0;
      stopPolling();
      // Catch a head that arrived between the last poll and the subscription.
      void pollOnce().then((h) => h && deliver(h)).catch(() => {});
    } catch (error) {
      if (failed) return;
      // Could not even subscribe: try the other urls first.
      coolSocketUrl(`could not subscribe: ${describeError(error)}`);
      socketFailed(describeError(error));
    }
  }

  /**
   * No new block for stallMs: switch (re-sample HTTP endpoints, poll once). A newer block over HTTP
   * means the socket was dead (half-open TCP) or lagging: drop it and go on. Nothing newer anywhere:
   * the head stalled — report it once, poll meanwhile and move the socket to the next url.
   */
  async function checkStall() {
    const now = Date.now();
    const silentMs = now - lastNewHeadAt;
    // Once per stallMs at most; while stalled too, so a socket that died during the stall is noticed.
    if (stopped || checking || silentMs < params.stallMs || now - lastCheckAt < params.stallMs) return;
    checking = true;
    lastCheckAt = now;
    try {
      if (stalledSince === undefined) await params.onSwitch?.().catch(() => {});
      const fresh = await pollOnce().catch(() => undefined);
      if (stopped) return;
      if (fresh && fresh.number > (highest ?? -1)) {
        if (mode === 'ws') {
          coolSocketUrl(`no new head for ${silentMs} ms while HTTP saw block ${fresh.number}`);
          failSocket?.(`no newHeads for ${silentMs} ms while HTTP saw block ${fresh.number}`);
        }
        return deliver(fresh);
      }
      if (stalledSince !== undefined || Date.now() - lastNewHeadAt < params.stallMs) return; // reported already, or a head arrived meanwhile
      stalledSince = lastNewHeadAt;
      const stall: HeadStall = { stalledForMs: Date.now() - lastNewHeadAt, mode, ...(highest !== undefined ? { lastHead: highest } : {}) };
      log.error({ ...stall, stallMs: params.stallMs }, 'head stalled: no new block from any endpoint; switching endpoints and polling');
      if (mode === 'ws') failSocket?.('head stalled');
      else startPolling();
      params.onStall?.(stall);
    } finally {
      checking = false;
    }
  }

  return {
    start() {
      lastNewHeadAt = Date.now();
      startPolling(); // until the socket is up, if there is one
      if (wsUrls.length > 0) void connect();
      watchdog = setInterval(() => void checkStall(), Math.max(50, params.stallMs / 4));
    },
    async stop() {
      stopped = true;
      stopPolling();
      clearTimeout(reconnectTimer);
      clearInterval(watchdog);
      closeSocket?.();
      closeSocket = undefined;
    },
    mode: () => mode,
    stalled: () => stalledSince !== undefined,
  };
}
