/**
 * A JSON-RPC proxy that counts requests by method: put it in front of a real anvil to assert
 * (or benchmark) how many calls warden makes. HTTP requests (single or batched) are counted;
 * WebSocket upgrades are piped through to the target untouched (not counted).
 *
 * @example
 *   const proxy = await startCountingProxy({ target: anvil.url });
 *   // point warden at proxy.url / proxy.wsUrl ...
 *   proxy.counts()['eth_getLogs'] // → 1
 */
import { createServer, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { freePort } from '../../src/drill/processes.js';

export interface CountingProxy {
  url: string;
  wsUrl: string;
  /** Requests per method since start or the last reset(). */
  counts(): Record<string, number>;
  /** Total requests since start or the last reset(). */
  total(): number;
  reset(): void;
  /** When set, requests for these methods answer HTTP 503 (to test failover). */
  failMethods: Set<string>;
  /** When true every request answers 503 (a dead endpoint) and WebSocket upgrades are refused. */
  down: boolean;
  /**
   * When set, eth_getLogs requests over more than `maxRange` blocks, or whose answer holds more than
   * `maxResults` logs, get a JSON-RPC error instead (a provider's limits), like
   * `{ code: -32005, message: 'query returned more than 10 results' }`. `suggestRange` adds Infura's
   * "Try with this block range [0x.., 0x..]" hint.
   */
  logLimits?: { maxRange?: number; maxResults?: number; code?: number; message?: string; suggestRange?: boolean };
  /** eth_getLogs requests refused by `logLimits` since start or the last reset(). */
  refusedLogQueries(): number;
  /** Cuts every open WebSocket connection (the client sees the socket close). */
  dropWebSockets(): void;
  stop(): Promise<void>;
}

export async function startCountingProxy(params: { target: string; port?: number }): Promise<CountingProxy> {
  const target = new URL(params.target);
  const port = params.port ?? (await freePort());
  let counts: Record<string, number> = {};
  let refused = 0;
  const sockets = new Set<Duplex>();
  const proxy: CountingProxy = {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    counts: () => ({ ...counts }),
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    reset: () => {
      counts = {};
      refused = 0;
    },
    refusedLogQueries: () => refused,
    failMethods: new Set(),
    down: false,
    dropWebSockets: () => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    stop: async () => {
      proxy.dropWebSockets();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    let methods: string[] = [];
    try {
      const parsed = JSON.parse(body) as { method?: string } | { method?: string }[];
      methods = (Array.isArray(parsed) ? parsed : [parsed]).map((r) => r.method ?? '?');
    } catch {
      methods = ['<unparseable>'];
    }
    for (const method of methods) counts[method] = (counts[method] ?? 0) + 1;
    if (proxy.down || methods.some((m) => proxy.failMethods.has(m))) {
      res.writeHead(503).end('proxy: failing on purpose');
      return;
    }
    try {
      const upstream = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await upstream.text();
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(proxy.logLimits ? applyLogLimits(body, text) : text);
    } catch (error) {
      res.writeHead(502).end(String(error));
    }
  });

  /** Replaces the answers of eth_getLogs requests beyond `logLimits` with the provider's error. */
  function applyLogLimits(requestText: string, responseText: string): string {
    const limits = proxy.logLimits!;
    type Request = { id?: unknown; method?: string; params?: { fromBlock?: string; toBlock?: string }[] };
    type Response = { id?: unknown; result?: unknown };
    let requests: Request | Request[];
    let responses: Response | Response[];
    try {
      requests = JSON.parse(requestText) as Request | Request[];
      responses = JSON.parse(responseText) as Response | Response[];
    } catch {
      return responseText;
    }
    const limit = (request: Request, response: Response): Response => {
      if (request.method !== 'eth_getLogs' || !Array.isArray(response.result)) return response;
      const filter = request.params?.[0] ?? {};
      const from = filter.fromBlock?.startsWith('0x') ? Number(filter.fromBlock) : undefined;
      const to = filter.toBlock?.startsWith('0x') ? Number(filter.toBlock) : undefined;
      const width = from !== undefined && to !== undefined ? to - from + 1 : 1;
      const tooWide = limits.maxRange !== undefined && width > limits.maxRange;
      const tooMany = limits.maxResults !== undefined && response.result.length > limits.maxResults;
      if (!tooWide && !tooMany) return response;
      refused++;
      const allowed = Math.max(1, limits.maxRange ?? Math.floor(width / 4));
      const hint = limits.suggestRange && from !== undefined ? ` Try with this block range [0x${from.toString(16)}, 0x${(from + allowed - 1).toString(16)}].` : '';
      const message = limits.message ?? (tooWide ? 'block range too large' : `query returned more than ${limits.maxResults} results`);
      return { jsonrpc: '2.0', id: response.id, error: { code: limits.code ?? -32005, message: `${message}${hint}` } } as Response;
    };
    if (Array.isArray(requests) && Array.isArray(responses)) {
      const byId = new Map(requests.map((r) => [JSON.stringify(r.id), r]));
      return JSON.stringify(responses.map((response) => limit(byId.get(JSON.stringify(response.id)) ?? {}, response)));
    }
    if (!Array.isArray(requests) && !Array.isArray(responses)) return JSON.stringify(limit(requests, responses));
    return responseText;
  }

  // WebSocket: replay the upgrade request to the target and splice the two sockets.
  server.on('upgrade', (req, socket, head) => {
    if (proxy.down) return void socket.destroy();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const upstream = connect(Number(target.port), target.hostname, () => {
      const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`);
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return proxy;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
    req.on('error', reject);
  });
}
