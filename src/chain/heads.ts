/**
 * Where heads come from: `newHeads` over WebSocket when urls are given, HTTP polling otherwise —
 * and whenever the socket is down. A broken socket is reconnected with backoff while polling
 * covers for it; a socket that stays silent while HTTP sees new blocks counts as broken.
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

export interface HeadSourceParams {
  client: PublicClient;
  wsUrls: string[];
  chainName: string;
  /** Poll interval while polling. */
  pollIntervalMs: number;
  /** With the socket up and no head for this long, check over HTTP that the socket is not dead. */
  stallMs: number;
  log: Logger;
  onHead(header: BlockHeader): void;
}

export interface HeadSource {
  start(): void;
  stop(): Promise<void>;
  /** 'ws' while the socket delivers heads, else 'poll'. */
  mode(): 'ws' | 'poll';
}

/** The header fields warden uses, from a viem block (HTTP) or a formatted newHeads payload. */
export function toHeader(block: Pick<Block, 'number' | 'hash' | 'parentHash' | 'timestamp' | 'logsBloom' | 'baseFeePerGas'>): BlockHeader {
  if (block.number === null || block.hash === null || block.logsBloom === null) throw new Error('pending block has no number/hash');
  const header: BlockHeader = {
    number: Number(block.number),
    hash: block.hash,
    parentHash: block.parentHash,
    timestamp: Number(block.timestamp),
    logsBloom: block.logsBloom,
  };
  if (block.baseFeePerGas !== null && block.baseFeePerGas !== undefined) header.baseFeePerGas = block.baseFeePerGas;
  return header;
}

export function createHeadSource(params: HeadSourceParams): HeadSource {
  const { client, wsUrls, log, onHead } = params;
  let stopped = false;
  let mode: 'ws' | 'poll' = 'poll';
  let pollTimer: NodeJS.Timeout | undefined;
  let polling = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let stallTimer: NodeJS.Timeout | undefined;
  let reconnectAttempt = 0;
  let closeSocket: (() => void) | undefined;
  let lastWsHeadAt = 0;
  let lastPolledHash: string | undefined;

  async function pollOnce(): Promise<BlockHeader | undefined> {
    const header = toHeader(await client.getBlock({ blockTag: 'latest' }));
    if (header.hash === lastPolledHash) return undefined;
    lastPolledHash = header.hash;
    return header;
  }

  function startPolling() {
    if (polling || stopped) return;
    polling = true;
    const tick = async () => {
      if (!polling) return;
      try {
        const header = await pollOnce();
        if (header && polling) onHead(header);
      } catch (error) {
        log.warn({ err: describeError(error) }, 'polling for heads failed; retrying');
      }
      if (polling) pollTimer = setTimeout(tick, params.pollIntervalMs);
    };
    void tick();
  }

  function stopPolling() {
    polling = false;
    clearTimeout(pollTimer);
  }

  function socketFailed(reason: string) {
    closeSocket?.();
    closeSocket = undefined;
    clearInterval(stallTimer);
    if (stopped) return;
    mode = 'poll';
    startPolling();
    const delay = backoffMs(reconnectAttempt++, 500, 30_000);
    log.warn({ reason, reconnectInMs: delay }, 'newHeads socket down; polling over HTTP until it is back');
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(() => void connect(), delay);
  }

  async function connect() {
    if (stopped) return;
    const url = wsUrls[reconnectAttempt % wsUrls.length]!;
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
          lastWsHeadAt = Date.now();
          try {
            // viem hands over the notification's params: { subscription, result }.
            onHead(toHeader(formatBlock((data as unknown as { result: RpcBlock }).result)));
          } catch (error) {
            log.warn({ err: describeError(error) }, 'ignoring malformed newHeads payload');
          }
        },
        onError: (error: unknown) => fail(describeError(error)),
      });
      if (stopped) return rpc.close();
      if (failed) return;
      log.info({ url: redactUrl(url) }, 'following newHeads over WebSocket');
      mode = 'ws';
      reconnectAttempt = 0;
      lastWsHeadAt = Date.now();
      stopPolling();
      // Catch a head that arrived between the last poll and the subscription.
      void pollOnce().then((h) => h && onHead(h)).catch(() => {});
      clearInterval(stallTimer);
      stallTimer = setInterval(() => void checkStall(fail), params.stallMs);
    } catch (error) {
      if (!failed) socketFailed(describeError(error));
    }
  }

  /** A silent socket on a chain that moves is dead (half-open TCP): HTTP tells us which. */
  async function checkStall(fail: (reason: string) => void) {
    if (mode !== 'ws' || Date.now() - lastWsHeadAt < params.stallMs) return;
    try {
      const header = await pollOnce();
      if (header && mode === 'ws') {
        onHead(header);
        fail(`no newHeads for ${params.stallMs} ms while HTTP saw block ${header.number}`);
      }
    } catch {
      // HTTP down too: nothing to compare with; try again next interval.
    }
  }

  return {
    start() {
      if (wsUrls.length > 0) {
        startPolling(); // until the socket is up
        void connect();
      } else startPolling();
    },
    async stop() {
      stopped = true;
      stopPolling();
      clearTimeout(reconnectTimer);
      clearInterval(stallTimer);
      closeSocket?.();
      closeSocket = undefined;
    },
    mode: () => mode,
  };
}
