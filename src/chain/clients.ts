/**
 * RPC clients of one chain: an HTTP PublicClient that fails over between the configured urls,
 * and the WebSocket urls the head source subscribes to for `newHeads`.
 */
import { createPublicClient, defineChain, fallback, http, type PublicClient } from 'viem';
import type { ChainConfig } from '../config/schema.js';
import type { Metrics } from '../metrics/metrics.js';

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
  /** HTTP client over viem's `fallback` of every `chain.rpc.http` url (in order). */
  http: PublicClient;
  /** First WebSocket url (undefined without one); see `wsUrls` for all of them. */
  wsUrl?: string;
  /** All WebSocket urls; the head source rotates through them on reconnect. */
  wsUrls: string[];
  /** HTTP RPC requests sent so far, by method (each failover attempt and retry counts). */
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
}

/**
 * Each request tries the urls in order: an error or a timeout (`chain.rpcTimeout` s) moves on to
 * the next url; when all failed, the whole round is retried with backoff. Reverts are not failed over
 * (viem's fallback rethrows execution errors at once: another node would revert too).
 *
 * @example const { http } = createChainClients({ chain }); await http.getBlockNumber();
 */
export function createChainClients(params: CreateChainClientsParams): ChainClients {
  const { chain, retryCount = 3, retryDelayMs = 150, metrics } = params;
  const timeout = Math.max(1, Math.round(chain.rpcTimeout * 1000));
  const endpoints = new Map(chain.rpc.http.map((url, index) => [url, endpointLabel(url, index)]));
  const transport = fallback(
    // batch: requests made in the same tick (a block's logs and reads; a pause's check, nonce and lock)
    // travel in one HTTP request: one round trip instead of several on the hot path.
    chain.rpc.http.map((url) =>
      http(url, { timeout, retryCount: 0, batch: true, ...(metrics ? { fetchFn: timedFetch(metrics, chain.name, endpoints.get(url)!) } : {}) }),
    ),
    { retryCount, retryDelay: retryDelayMs },
  );
  const viemChain = defineChain({
    id: chain.id,
    name: chain.name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: chain.rpc.http, webSocket: chain.rpc.ws } },
  });
  const client = createPublicClient({ chain: viemChain, transport, pollingInterval: Math.max(100, chain.blockTime * 500) });

  const calls: Record<string, number> = {};
  // The fallback transport reports every attempt (success or error) with its method.
  type Attempt = { method: string; status: 'success' | 'error'; transport?: { value?: { url?: string } } };
  (client.transport as unknown as { onResponse(fn: (r: Attempt) => void): void }).onResponse(({ method, status, transport: used }) => {
    calls[method] = (calls[method] ?? 0) + 1;
    const endpoint = endpoints.get(used?.value?.url ?? '') ?? 'unknown';
    metrics?.rpcRequests.inc({ chain: chain.name, method, endpoint, outcome: status === 'success' ? 'ok' : 'error' });
  });

  return {
    http: client as PublicClient,
    wsUrl: chain.rpc.ws[0],
    wsUrls: [...chain.rpc.ws],
    rpcCalls: () => ({ ...calls }),
    async close() {
      // HTTP keeps no connections of its own worth closing; sockets belong to the head source.
    },
  };
}
