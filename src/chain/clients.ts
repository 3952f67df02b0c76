/**
 * RPC clients of one chain: an HTTP PublicClient over the configured urls, ranked by health and
 * latency (endpoints.ts), and the WebSocket urls the head source subscribes to for `newHeads`.
 */
import { BaseError, createPublicClient, createTransport, defineChain, http, shouldThrow, type EIP1193RequestFn, type PublicClient } from 'viem';
import type { Logger } from 'pino';
import type { ChainConfig } from '../config/schema.js';
import { describeError } from '../errors.js';
import type { Metrics } from '../metrics/metrics.js';
import { createEndpointPool, type Endpoint, type EndpointPool } from './endpoints.js';

/** `0:eth.example`: the url's position and host, never its path or query (they often hold API keys). */
export function endpointLabel(url: string, index: number): string {
  try {
    return `${index}:${new URL(url).hostname}`;
  } catch {
    return String(index);
  }
}

/** fetch that times each round trip, once per JSON-RPC method in the (batched) body. */
function timedFetch(metrics: Metrics, chain: string, endpoint: string): typeof fetch {
  return async (input, init) => {
    const startedAt = performance.now();
    try {
      return await fetch(input, init);
    } finally {
      const seconds = (performance.now() - startedAt) / 1000;
      for (const method of methodsOf(init?.body)) metrics.rpcLatency.observe({ chain, method, endpoint }, seconds);
    }
  };
}

function methodsOf(body: unknown): string[] {
  if (typeof body !== 'string') return ['unknown'];
  try {
    const parsed = JSON.parse(body) as { method?: string } | { method?: string }[];
    return [...new Set((Array.isArray(parsed) ? parsed : [parsed]).map((request) => request.method ?? 'unknown'))];
  } catch {
    return ['unknown'];
  }
}

export interface ChainClients {
  /** HTTP client over every `chain.rpc.http` url, ranked by health and latency (endpoints.ts). */
  http: PublicClient;
  /** Health of the HTTP endpoints: order, cool-downs, lag, the best sampled head. */
  endpoints: EndpointPool;
  /** Blocks an endpoint (HTTP or WebSocket) may trail the best head: `chain.maxEndpointLag`. */
  maxEndpointLag: number;
  /** First WebSocket url (undefined without one); see `wsUrls` for all of them. */
  wsUrl?: string;
  /** All WebSocket urls; the head source rotates through them on reconnect. */
  wsUrls: string[];
  /** HTTP RPC requests sent so far, by method (each failover attempt and retry counts; background samples do not). */
  rpcCalls(): Record<string, number>;
  close(): Promise<void>;
}

export interface CreateChainClientsParams {
  chain: ChainConfig;
  /** Retries of a request after every url failed, with exponential backoff. Default 3. */
  retryCount?: number;
  /** Base of that backoff in ms (viem doubles it per retry). Default 150. */
  retryDelayMs?: number;
  /** Counts requests by method, endpoint and outcome, and times each round trip. */
  metrics?: Metrics;
  /** Where endpoints taken out of and back into rotation are logged. */
  log?: Logger;
  /** Time between background head samples of the endpoints; default 2 × blockTime, within 1–30 s. */
  sampleIntervalMs?: number;
  /** First cool-down of an endpoint after an error (doubles while it keeps failing). Default 5 s. */
  cooldownMs?: number;
}

export const defaultMaxEndpointLag = 5;

/** Errors about the request, not the endpoint: another endpoint is tried, but this one stays in rotation. */
const requestErrorCodes = new Set([-32602, -32601, -32005, -32004]);
function blamesEndpoint(error: unknown): boolean {
  if (error instanceof BaseError) return !error.walk((e) => requestErrorCodes.has((e as { code?: number } | null)?.code ?? 0));
  return true;
}

/**
 * Each request tries the endpoints in the pool's order (in rotation first, fastest first): an error or
 * a timeout (`chain.rpcTimeout` s) moves on to the next one and takes the endpoint out of rotation for a
 * cool-down; when all failed, the whole round is retried with backoff. Reverts are not failed over
 * (viem's `shouldThrow`: another node would revert too).
 *
 * @example const { http } = createChainClients({ chain }); await http.getBlockNumber();
 */
export function createChainClients(params: CreateChainClientsParams): ChainClients {
  const { chain, retryCount = 3, retryDelayMs = 150, metrics } = params;
  const timeout = Math.max(1, Math.round(chain.rpcTimeout * 1000));
  const endpoints: Endpoint[] = chain.rpc.http.map((url, index) => ({ index, url, label: endpointLabel(url, index) }));
  // batch: requests made in the same tick (a block's logs and reads; a pause's check, nonce and lock)
  // travel in one HTTP request: one round trip instead of several on the hot path.
  const transports = endpoints.map(({ url, label }) =>
    http(url, { timeout, retryCount: 0, batch: true, ...(metrics ? { fetchFn: timedFetch(metrics, chain.name, label) } : {}) })({ retryCount: 0 }),
  );
  const calls: Record<string, number> = {};
  const count = (method: string, endpoint: Endpoint, ok: boolean) =>
    metrics?.rpcRequests.inc({ chain: chain.name, method, endpoint: endpoint.label, outcome: ok ? 'ok' : 'error' });

  const maxEndpointLag = chain.maxEndpointLag ?? defaultMaxEndpointLag;
  const pool = createEndpointPool({
    endpoints,
    chainName: chain.name,
    maxLag: maxEndpointLag,
    sampleIntervalMs: params.sampleIntervalMs ?? Math.min(30_000, Math.max(1_000, chain.blockTime * 2_000)),
    cooldownMs: params.cooldownMs,
    sampleAlone: chain.rpc.ws.length > 0,
    log: params.log,
    async sampleHead(endpoint) {
      let ok = false;
      try {
        const result = await transports[endpoint.index]!.request({ method: 'eth_blockNumber' });
        ok = true;
        if (typeof result !== 'string' || !/^0x[0-9a-fA-F]{1,16}$/.test(result)) throw new Error(`malformed eth_blockNumber answer ${JSON.stringify(result)?.slice(0, 40)}`);
        return Number(BigInt(result));
      } finally {
        count('eth_blockNumber', endpoint, ok);
      }
    },
  });

  const transport = createTransport({
    key: 'endpoints',
    name: 'Ranked endpoints',
    type: 'endpoints',
    retryCount,
    retryDelay: retryDelayMs,
    request: (async ({ method, params: args }: { method: string; params?: unknown }, options?: Parameters<EIP1193RequestFn>[1]) => {
      pool.start();
      let lastError: unknown;
      for (const endpoint of pool.order()) {
        calls[method] = (calls[method] ?? 0) + 1;
        try {
          const response = await transports[endpoint.index]!.request({ method, params: args } as never, options);
          count(method, endpoint, true);
          pool.succeeded(endpoint);
          return response;
        } catch (error) {
          count(method, endpoint, false);
          if (shouldThrow(error as Error)) throw error;
          if (blamesEndpoint(error)) pool.failed(endpoint, `${method}: ${describeError(error)}`);
          lastError = error;
        }
      }
      throw lastError;
    }) as EIP1193RequestFn,
  });
  const viemChain = defineChain({
    id: chain.id,
    name: chain.name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: chain.rpc.http, webSocket: chain.rpc.ws } },
  });
  const client = createPublicClient({ chain: viemChain, transport: () => transport, pollingInterval: Math.max(100, chain.blockTime * 500) });

  return {
    http: client as PublicClient,
    endpoints: pool,
    maxEndpointLag,
    wsUrl: chain.rpc.ws[0],
    wsUrls: [...chain.rpc.ws],
    rpcCalls: () => ({ ...calls }),
    async close() {
      // HTTP keeps no connections of its own worth closing; sockets belong to the head source.
      pool.stop();
    },
  };
}
