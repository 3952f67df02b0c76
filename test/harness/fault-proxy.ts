/**
 * A fault-injecting JSON-RPC proxy (HTTP and WebSocket) in front of a real node, driven by a seeded
 * RNG so a failing run reproduces from its seed. Faults, each at a rate (0..1) and changeable while
 * running (`proxy.faults`):
 *
 * - `rpcErrorRate`: a request (each one of a batch) answered with JSON-RPC error -32603;
 * - `httpErrorRate`: the HTTP request answered 429 or 503;
 * - `latencyMs`: added delay, uniform in [min, max];
 * - `timeoutRate`: never answered (the client's timeout fires);
 * - `malformedRate`: a corrupted answer — truncated JSON, a result of the wrong type, a block or log
 *   with a field missing, a huge number; with `malformedKinds`, also plausible lies: a block with
 *   another block's hash or parentHash, another block, the logs of another block, the receipt of
 *   another tx (malformed-answers.ts);
 * - `lagBlocks`: a lagging endpoint: heads (eth_blockNumber, the `latest` block, newHeads) N behind,
 *   later blocks "not found";
 * - `reorderHeadsRate`: a WebSocket newHeads notification held back and sent after the next one;
 * - `silentHeads`: newHeads notifications swallowed, the socket left open (a half-open connection);
 * - `dropWebSockets()` cuts every socket, `down` refuses everything.
 *
 * It counts requests per method and injected faults per kind (the benchmark can share it).
 *
 * @example
 *   const proxy = await startFaultProxy({ target: anvil.url, seed: 7, faults: { rpcErrorRate: 0.05 } });
 *   // point warden at proxy.url / proxy.wsUrl ...
 *   proxy.injected().rpcError // → how many -32603 answers it made up
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { seededRandom } from '../../detectors/test-helpers.js';
import { freePort } from '../../src/drill/processes.js';
import { createCorrupter, type MalformedKind, type RpcRequest, type RpcResponse } from './malformed-answers.js';

export { allMalformedKinds, classicMalformedKinds, nonceLieKinds, plausibleMalformedKinds, type MalformedKind } from './malformed-answers.js';

export interface FaultOptions {
  rpcErrorRate?: number;
  httpErrorRate?: number;
  latencyMs?: [number, number];
  timeoutRate?: number;
  malformedRate?: number;
  /** Which malformed answers `malformedRate` makes; default the classic shape-breaking ones (see malformed-answers.ts). */
  malformedKinds?: readonly MalformedKind[];
  lagBlocks?: number;
  reorderHeadsRate?: number;
  /** WebSocket newHeads notifications are swallowed: the socket stays open and silent (half-open TCP). */
  silentHeads?: boolean;
  /** Only these methods get request faults (default: every method). */
  methods?: string[];
  /** These methods never get request faults (applied after `methods`). */
  skipMethods?: string[];
}

export interface FaultProxy {
  url: string;
  wsUrl: string;
  /** Mutable: change faults while warden runs. */
  faults: FaultOptions;
  /** When true every HTTP request answers 503 and WebSocket upgrades are refused. */
  down: boolean;
  counts(): Record<string, number>;
  /** Faults injected so far, by kind. */
  injected(): Record<string, number>;
  dropWebSockets(): void;
  stop(): Promise<void>;
}

export async function startFaultProxy(params: { target: string; seed: number; faults?: FaultOptions; port?: number }): Promise<FaultProxy> {
  const target = new URL(params.target);
  const targetWs = params.target.replace(/^http/, 'ws');
  const port = params.port ?? (await freePort());
  const random = seededRandom(params.seed);
  const chance = (rate: number | undefined) => rate !== undefined && rate > 0 && random() < rate;
  const counts: Record<string, number> = {};
  const injected: Record<string, number> = {};
  const note = (kind: string) => (injected[kind] = (injected[kind] ?? 0) + 1);
  const sockets = new Set<WebSocket>();
  const hanging = new Set<ServerResponse>();

  const proxy: FaultProxy = {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    faults: { ...params.faults },
    down: false,
    counts: () => ({ ...counts }),
    injected: () => ({ ...injected }),
    dropWebSockets() {
      for (const socket of sockets) socket.terminate();
      sockets.clear();
    },
    async stop() {
      proxy.dropWebSockets();
      for (const response of hanging) response.destroy();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const corrupter = createCorrupter({ random, note, kinds: () => proxy.faults.malformedKinds });
  const faulty = (method: string | undefined) =>
    (!proxy.faults.methods || proxy.faults.methods.includes(method ?? '')) && !proxy.faults.skipMethods?.includes(method ?? '');

  async function upstream(body: unknown): Promise<unknown> {
    const response = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return response.json();
  }

  /** The node's head as this endpoint claims it: `lagBlocks` behind. */
  async function laggedHead(): Promise<number> {
    const answer = (await upstream({ jsonrpc: '2.0', id: 0, method: 'eth_blockNumber', params: [] })) as RpcResponse;
    return Math.max(0, Number(answer.result) - (proxy.faults.lagBlocks ?? 0));
  }

  /** Rewrites a request for a lagging endpoint; returns an answer when it is answered here. */
  async function lag(request: RpcRequest): Promise<{ request: RpcRequest; answer?: RpcResponse }> {
    if (!proxy.faults.lagBlocks) return { request };
    const head = await laggedHead();
    const hex = `0x${head.toString(16)}`;
    if (request.method === 'eth_blockNumber') return { request, answer: { jsonrpc: '2.0', id: request.id, result: hex } };
    if (request.method === 'eth_getBlockByNumber' && Array.isArray(request.params)) {
      const tag = request.params[0];
      if (tag === 'latest' || tag === 'pending' || tag === 'safe' || tag === 'finalized') return { request: { ...request, params: [hex, ...request.params.slice(1)] } };
      if (typeof tag === 'string' && tag.startsWith('0x') && Number(tag) > head) return { request, answer: { jsonrpc: '2.0', id: request.id, result: null } };
    }
    return { request };
  }

  async function answerOne(request: RpcRequest): Promise<RpcResponse> {
    counts[request.method ?? '?'] = (counts[request.method ?? '?'] ?? 0) + 1;
    if (faulty(request.method) && chance(proxy.faults.rpcErrorRate)) {
      note('rpcError');
      return { jsonrpc: '2.0', id: request.id, error: { code: -32603, message: 'fault proxy: internal error' } };
    }
    const lagged = await lag(request);
    const answer = lagged.answer ?? ((await upstream(lagged.request)) as RpcResponse);
    corrupter.observe(request, answer);
    if (request.method === 'eth_getTransactionReceipt' && proxy.faults.malformedKinds?.includes('otherReceipt')) await rememberBlockReceipts(answer);
    if (faulty(request.method) && chance(proxy.faults.malformedRate)) return corrupter.corrupt(request, answer);
    return answer;
  }

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const text = await readBody(req);
    if (proxy.down) return void res.writeHead(503).end('fault proxy: down');
    let parsed: RpcRequest | RpcRequest[];
    try {
      parsed = JSON.parse(text) as RpcRequest | RpcRequest[];
    } catch {
      return void res.writeHead(400).end('fault proxy: not JSON');
    }
    const requests = Array.isArray(parsed) ? parsed : [parsed];
    const anyFaulty = requests.some((request) => faulty(request.method));
    const [min, max] = proxy.faults.latencyMs ?? [0, 0];
    if (max > 0 && anyFaulty) await new Promise((resolve) => setTimeout(resolve, min + random() * (max - min)));
    if (anyFaulty && chance(proxy.faults.timeoutRate)) {
      note('timeout');
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return; // never answered
    }
    if (anyFaulty && chance(proxy.faults.httpErrorRate)) {
      const status = random() < 0.5 ? 429 : 503;
      note(`http${status}`);
      return void res.writeHead(status, { 'retry-after': '0' }).end(status === 429 ? 'Too Many Requests' : 'Service Unavailable');
    }
    try {
      const answers = await Promise.all(requests.map(answerOne));
      let body = JSON.stringify(Array.isArray(parsed) ? answers : answers[0]);
      if (anyFaulty && corrupter.truncates() && chance((proxy.faults.malformedRate ?? 0) / 4)) {
        note('truncated');
        body = body.slice(0, Math.floor(body.length * random()));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    } catch (error) {
      res.writeHead(502).end(`fault proxy: upstream failed: ${String(error)}`);
    }
  });

  // WebSocket: terminate the client's socket here and relay message by message, so notifications can be held, reordered or corrupted.
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (proxy.down) return void socket.destroy();
    wss.handleUpgrade(req, socket, head, (client) => relay(client));
  });

  /** The other receipts of a receipt's block, so `otherReceipt` has a real receipt of another tx to answer with. */
  const receiptBlocks = new Set<string>();
  async function rememberBlockReceipts(answer: RpcResponse): Promise<void> {
    const blockNumber = (answer.result as { blockNumber?: string } | null | undefined)?.blockNumber;
    if (!blockNumber || receiptBlocks.has(blockNumber)) return;
    receiptBlocks.add(blockNumber);
    const receipts = (await upstream({ jsonrpc: '2.0', id: 0, method: 'eth_getBlockReceipts', params: [blockNumber] })) as RpcResponse;
    for (const receipt of Array.isArray(receipts.result) ? receipts.result : []) {
      corrupter.observe({ method: 'eth_getTransactionReceipt' }, { jsonrpc: '2.0', result: receipt });
    }
  }

  /** Lets the corrupter lie with real headers seen on sockets too. */
  function observeHead(text: string): void {
    try {
      const header = (JSON.parse(text) as { params?: { result?: Record<string, unknown> } }).params?.result;
      if (header) corrupter.observeHead(header);
    } catch {
      /* a message cut short upstream: nothing to remember */
    }
  }

  function relay(client: WebSocket): void {
    const node = new WebSocket(targetWs);
    sockets.add(client);
    sockets.add(node);
    const pending: RawData[] = [];
    let heldHead: string | undefined;
    const lagged: string[] = [];
    node.on('open', () => {
      for (const message of pending.splice(0)) node.send(message);
    });
    client.on('message', (message) => {
      const text = message.toString();
      try {
        const request = JSON.parse(text) as RpcRequest;
        counts[`ws:${request.method ?? '?'}`] = (counts[`ws:${request.method ?? '?'}`] ?? 0) + 1;
      } catch {
        /* relayed as is */
      }
      if (node.readyState === WebSocket.OPEN) node.send(text);
      else pending.push(message);
    });
    node.on('message', (message) => {
      let text = message.toString();
      const isHead = text.includes('"eth_subscription"');
      if (isHead && proxy.faults.silentHeads) return void note('silencedHead');
      if (isHead && (proxy.faults.lagBlocks ?? 0) > 0) {
        lagged.push(text);
        if (lagged.length <= proxy.faults.lagBlocks!) return;
        text = lagged.shift()!;
      }
      if (isHead) observeHead(text);
      if (isHead && chance(proxy.faults.malformedRate)) text = corrupter.corruptHead(text);
      if (isHead && heldHead === undefined && chance(proxy.faults.reorderHeadsRate)) {
        note('reorderedHead');
        heldHead = text;
        return;
      }
      if (client.readyState === WebSocket.OPEN) client.send(text);
      if (isHead && heldHead !== undefined) {
        const late = heldHead;
        heldHead = undefined;
        if (client.readyState === WebSocket.OPEN) client.send(late);
      }
    });
    const closeBoth = () => {
      sockets.delete(client);
      sockets.delete(node);
      if (client.readyState !== WebSocket.CLOSED) client.terminate();
      if (node.readyState !== WebSocket.CLOSED) node.terminate();
    };
    client.on('close', closeBoth);
    node.on('close', closeBoth);
    client.on('error', closeBoth);
    node.on('error', closeBoth);
  }

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return proxy;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
    req.on('error', reject);
  });
}
