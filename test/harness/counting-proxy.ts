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
  /** Cuts every open WebSocket connection (the client sees the socket close). */
  dropWebSockets(): void;
  stop(): Promise<void>;
}

export async function startCountingProxy(params: { target: string; port?: number }): Promise<CountingProxy> {
  const target = new URL(params.target);
  const port = params.port ?? (await freePort());
  let counts: Record<string, number> = {};
  const sockets = new Set<Duplex>();
  const proxy: CountingProxy = {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    counts: () => ({ ...counts }),
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    reset: () => {
      counts = {};
    },
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
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
    } catch (error) {
      res.writeHead(502).end(String(error));
    }
  });

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
