/** A local HTTP server that records webhook POSTs and answers with scripted statuses. */
import { createServer, type Server } from 'node:http';

export interface WebhookServer {
  url: string;
  bodies: unknown[];
  /** Statuses to answer, in order; then 200. A negative number delays the answer by that many ms (then 200). */
  script: number[];
  close(): Promise<void>;
}

export async function startWebhookServer(path = '/hooks/s3cr3t-token-123'): Promise<WebhookServer> {
  const bodies: unknown[] = [];
  const script: number[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      bodies.push(JSON.parse(body || 'null'));
      const next = script.shift() ?? 200;
      const answer = () => response.writeHead(next < 0 ? 200 : next).end('{}');
      if (next < 0) setTimeout(answer, -next);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}${path}`,
    bodies,
    script,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
