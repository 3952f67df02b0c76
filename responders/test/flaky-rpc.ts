/**
 * A local JSON-RPC endpoint in front of anvil that can be switched "down" (answers HTTP 503), so tests
 * can stage an RPC outage. Its urls may carry a fake API key in path and query, like a provider's.
 */
import { createServer, type Server } from 'node:http';

export interface FlakyRpc {
  /** The endpoint with `path` (e.g. `/v2/FAKEKEY?apikey=FAKE`) appended. */
  url(path?: string): string;
  /** While true, every request gets HTTP 503 without reaching anvil. */
  down: boolean;
  /** Requests answered with 503 so far. */
  refused: number;
  close(): Promise<void>;
}

export async function startFlakyRpc(params: { target: string; down?: boolean }): Promise<FlakyRpc> {
  const state = { down: params.down ?? false, refused: 0 };
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (state.down) {
        state.refused += 1;
        response.writeHead(503, { 'content-type': 'text/plain' }).end('upstream unavailable');
        return;
      }
      fetch(params.target, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
        .then(async (answer) => response.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text()))
        .catch(() => response.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: (path = '') => `http://127.0.0.1:${port}${path}`,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    get refused() {
      return state.refused;
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
