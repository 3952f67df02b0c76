/**
 * warden's HTTP endpoints, for supervisors and Prometheus (listening on 127.0.0.1 by default):
 * - `GET /healthz`: 200 while the process is alive, with where each chain's follower stands;
 * - `GET /readyz`: 200 when warden can protect right now (following every chain within the allowed
 *   head lag, Redis answering or spooling, no readiness check failing), else 503 naming what is not
 *   ready; `status: degraded` (still 200) while Redis is unreachable and warden spools (src/outage);
 * - `GET /metrics`: Prometheus text format (src/metrics/metrics.ts; each metric in the README).
 */
import { createServer, type Server } from 'node:http';

export interface ChainHealth {
  name: string;
  id: number;
  /** Last block in the follower's local chain, if any. */
  tip?: { number: number; hash: string };
  /** Where heads come from right now. */
  headMode: 'ws' | 'poll';
  /** Seconds since the follower last processed a block (absent before the first): a stalled chain shows here. */
  secondsSinceLastBlock?: number;
}

/** One line of /readyz. */
export interface ReadyCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** Passing, but not as it should be (Redis unreachable and warden spooling): /readyz says `degraded`. */
  degraded?: boolean;
}

export interface HealthServer {
  /** The address it listens on, e.g. `127.0.0.1:9464` (the real port when 0 was asked for). */
  address: string;
  close(): Promise<void>;
}

/** Parses `host:port` (IPv6 hosts in brackets: `[::1]:9464`). */
export function parseListen(listen: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(listen);
  if (!match) throw new Error(`http.listen: expected host:port like 127.0.0.1:9464, got ${JSON.stringify(listen)}`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

export interface StartHealthServerParameters {
  listen: string;
  chains: () => ChainHealth[];
  /** The checks of /readyz; without it /readyz answers 404. */
  ready?: () => Promise<ReadyCheck[]>;
  /** The /metrics body and its content type; without it /metrics answers 404. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
}

export async function startHealthServer(params: StartHealthServerParameters): Promise<HealthServer> {
  const { host, port } = parseListen(params.listen);
  const startedAt = Date.now();
  const answer = async (path: string | undefined): Promise<{ status: number; type: string; body: string }> => {
    if (path === '/healthz') {
      const body = { status: 'ok', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000), chains: params.chains() };
      return { status: 200, type: 'application/json', body: JSON.stringify(body) };
    }
    if (path === '/readyz' && params.ready) {
      const checks = await params.ready();
      const ready = checks.every((check) => check.ok);
      // Degraded is still ready: warden protects (Redis down, spooling), but something needs a person.
      const status = !ready ? 'not ready' : checks.some((check) => check.degraded) ? 'degraded' : 'ready';
      return { status: ready ? 200 : 503, type: 'application/json', body: JSON.stringify({ status, checks }) };
    }
    if (path === '/metrics' && params.metrics) {
      const { contentType, body } = await params.metrics();
      return { status: 200, type: contentType, body };
    }
    return { status: 404, type: 'text/plain', body: 'not found: try GET /healthz, /readyz or /metrics\n' };
  };
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET') return void response.writeHead(405, { 'content-type': 'text/plain', allow: 'GET' }).end('only GET\n');
    answer(request.url?.split('?')[0]).then(
      ({ status, type, body }) => response.writeHead(status, { 'content-type': type }).end(body),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`error: ${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(`http.listen ${params.listen}: ${error.code === 'EADDRINUSE' ? 'the port is in use; choose another' : error.message}`)),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as { address: string; port: number };
  return {
    address: `${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
