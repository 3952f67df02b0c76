/**
 * The base of every vendor stand-in: a node:http server on a free port that records each request,
 * lets a vendor handler validate and answer it, and can be scripted to misbehave (answer 500 or
 * 429, hang, reset the connection) for the next requests.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';

export interface VendorRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface VendorAnswer {
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
}

export interface RecordedRequest extends VendorRequest {
  /** What the vendor would reject in it (empty when valid or when a script answered). */
  problems: string[];
  status: number | 'hang' | 'reset';
}

/** The next answers, in order, before the vendor handler answers again. */
export type ScriptedAnswer = VendorAnswer | 'hang' | 'reset';

export interface VendorServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  requests: RecordedRequest[];
  script: ScriptedAnswer[];
  /** Resolves once `count` requests were recorded (polls; rejects after `timeoutMs`). */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export type VendorHandler = (request: VendorRequest) => VendorAnswer & { problems?: string[] };

export async function startVendorServer(handle: VendorHandler): Promise<VendorServer> {
  const requests: RecordedRequest[] = [];
  const script: ScriptedAnswer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const url = new URL(incoming.url ?? '/', 'http://stand-in');
      const body = Buffer.concat(chunks).toString('utf8');
      const request: VendorRequest = {
        method: incoming.method ?? 'GET',
        path: decodeURIComponent(url.pathname),
        query: Object.fromEntries(url.searchParams),
        headers: incoming.headers,
        body,
        json: parseJson(body),
      };
      const scripted = script.shift();
      if (scripted === 'hang') return void requests.push({ ...request, problems: [], status: 'hang' });
      if (scripted === 'reset') {
        requests.push({ ...request, problems: [], status: 'reset' });
        return void incoming.socket.destroy();
      }
      const answer = scripted ?? handle(request);
      requests.push({ ...request, problems: (answer as { problems?: string[] }).problems ?? [], status: answer.status });
      const text = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      const type = typeof answer.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
      response.writeHead(answer.status, { ...(text ? { 'content-type': type } : {}), ...answer.headers }).end(text);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    script,
    async waitForRequests(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} requests, got ${requests.length}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Small checks shared by the validators; each returns a problem or undefined. */
export const check = {
  string(value: unknown, path: string, options: { min?: number; max?: number; required?: boolean } = {}): string | undefined {
    if (value === undefined) return options.required ? `${path} is required` : undefined;
    if (typeof value !== 'string') return `${path} must be a string`;
    const length = [...value].length;
    if (options.min !== undefined && length < options.min) return `${path} must be at least ${options.min} characters`;
    if (options.max !== undefined && length > options.max) return `${path} must be at most ${options.max} characters (got ${length})`;
    return undefined;
  },
  oneOf(value: unknown, path: string, allowed: readonly unknown[], required = true): string | undefined {
    if (value === undefined) return required ? `${path} is required` : undefined;
    return allowed.includes(value) ? undefined : `${path} must be one of ${allowed.join(', ')}`;
  },
  object(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  },
  unknownKeys(value: Record<string, unknown>, path: string, known: readonly string[]): string[] {
    return Object.keys(value).filter((key) => !known.includes(key)).map((key) => `${path}.${key} is not a field of this object`);
  },
};

export function problemsOf(...lists: (string | undefined | string[])[]): string[] {
  return lists.flat().filter((problem): problem is string => typeof problem === 'string');
}
