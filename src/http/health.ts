/**
 * The health endpoint: `GET /healthz` answers 200 with where each chain's follower stands, so a
 * supervisor (docker, systemd, Kubernetes) can tell that warden is alive and following.
 * (Readiness and Prometheus metrics come with the reliability work; this server is where they go.)
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

export async function startHealthServer(params: { listen: string; chains: () => ChainHealth[] }): Promise<HealthServer> {
  const { host, port } = parseListen(params.listen);
  const startedAt = Date.now();
  const server: Server = createServer((request, response) => {
    if (request.method === 'GET' && request.url?.split('?')[0] === '/healthz') {
      const body = { status: 'ok', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000), chains: params.chains() };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try GET /healthz\n');
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
