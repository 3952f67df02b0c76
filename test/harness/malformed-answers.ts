/**
 * The fault proxy's malformed answers (fault-proxy.ts `malformedRate`), by kind. Every choice comes
 * from the proxy's seeded RNG.
 *
 * The classic kinds (the default, unchanged since the proxy was written) break the answer's shape:
 * - `truncated`: the HTTP body (or a newHeads message) cut short — not JSON any more;
 * - `wrongType`: a hex string as a number, an object as a string, anything else as an object;
 * - `missingField`: a field of the (first) object deleted;
 * - `hugeNumber`: the result replaced by an 80-digit hex number.
 *
 * The plausible kinds (opt in with `malformedKinds`) keep the shape and lie about the content — what a
 * buggy or lagging provider behind a load balancer actually serves:
 * - `wrongHash`, `wrongParentHash`: a block or header whose hash / parentHash is another block's (one
 *   seen earlier, or random bytes when none was);
 * - `otherBlock`: eth_getBlockByNumber / ByHash answered with another block seen earlier;
 * - `otherLogs`: eth_getLogs answered with the logs of another request (another block), or none;
 * - `otherReceipt`: eth_getTransactionReceipt answered with the receipt of another transaction.
 *
 * And one lie about an account (opt in with `malformedKinds`; not among the plausible kinds the fuzz
 * uses, since it can only delay a pause):
 * - `aheadNonce`: eth_getTransactionCount answered with a well-formed count 40 above the real one.
 */

export const classicMalformedKinds = ['truncated', 'wrongType', 'missingField', 'hugeNumber'] as const;
export const plausibleMalformedKinds = ['wrongHash', 'wrongParentHash', 'otherBlock', 'otherLogs', 'otherReceipt'] as const;
export const nonceLieKinds = ['aheadNonce'] as const;
export const allMalformedKinds = [...classicMalformedKinds, ...plausibleMalformedKinds, ...nonceLieKinds] as const;
export type MalformedKind = (typeof allMalformedKinds)[number];

export type RpcRequest = { jsonrpc?: string; id?: unknown; method?: string; params?: unknown[] };
export type RpcResponse = { jsonrpc: string; id?: unknown; result?: unknown; error?: { code: number; message: string } };

type Json = Record<string, unknown>;

export interface Corrupter {
  /** Remembers a clean answer, so later lies can be made of real blocks, logs and receipts. */
  observe(request: RpcRequest, answer: RpcResponse): void;
  /** Remembers a clean newHeads header. */
  observeHead(header: Json): void;
  /** A malformed version of `answer` (an answer with an error is returned as it is). */
  corrupt(request: RpcRequest, answer: RpcResponse): RpcResponse;
  /** A malformed version of a newHeads notification's text. */
  corruptHead(text: string): string;
  /** Whether HTTP bodies may be cut short. */
  truncates(): boolean;
}

/** How many earlier answers of each sort are kept to lie with. */
const memory = 32;

export function createCorrupter(params: {
  random: () => number;
  note(kind: string): void;
  /** Kinds to inject; undefined: the classic ones, with the proxy's original choice among them. */
  kinds: () => readonly MalformedKind[] | undefined;
}): Corrupter {
  const { random, note } = params;
  const blocks: Json[] = [];
  const logAnswers: { key: string; logs: unknown[] }[] = [];
  const receipts: Json[] = [];
  const pick = <T>(items: readonly T[]): T | undefined => (items.length === 0 ? undefined : items[Math.floor(random() * items.length)]);
  const remember = <T>(list: T[], item: T) => {
    list.push(item);
    if (list.length > memory) list.shift();
  };
  const isBlock = (value: unknown): value is Json => typeof value === 'object' && value !== null && typeof (value as Json).hash === 'string' && typeof (value as Json).parentHash === 'string';
  const randomHash = () => `0x${Array.from({ length: 64 }, () => Math.floor(random() * 16).toString(16)).join('')}`;
  /** Another block's hash than `not`: one seen, else random bytes. */
  const otherHash = (not: unknown) => pick(blocks.map((block) => block.hash).filter((hash) => hash !== not)) ?? randomHash();

  /** Whether deleting a field means anything: an object (or an array whose first item is one) with fields. */
  const hasFields = (result: unknown) => {
    const target = Array.isArray(result) ? result[0] : result;
    return typeof target === 'object' && target !== null && Object.keys(target).length > 0;
  };

  /** The proxy's original choice among the shape kinds, with the same RNG draws, so existing seeded tests see what they saw. */
  function classic(answer: RpcResponse): RpcResponse {
    const kind = Math.floor(random() * 3);
    const chosen = kind === 0 ? 'wrongType' : kind === 1 && hasFields(answer.result) ? 'missingField' : 'hugeNumber';
    note(chosen);
    return breakShape(chosen, answer);
  }

  /** The lie of `kind` for this answer, or undefined when that kind does not fit it. */
  function lie(kind: MalformedKind, request: RpcRequest, answer: RpcResponse): RpcResponse | undefined {
    const { result } = answer;
    const method = request.method ?? '';
    switch (kind) {
      case 'truncated':
        return undefined; // cut at the body level by the proxy
      case 'wrongType':
      case 'missingField':
      case 'hugeNumber': {
        return kind === 'missingField' && !hasFields(result) ? undefined : breakShape(kind, answer);
      }
      case 'wrongHash':
      case 'wrongParentHash': {
        if (!isBlock(result)) return undefined;
        const field = kind === 'wrongHash' ? 'hash' : 'parentHash';
        return { ...answer, result: { ...result, [field]: otherHash(result[field]) } };
      }
      case 'otherBlock': {
        if (!method.startsWith('eth_getBlockBy') || !isBlock(result)) return undefined;
        const other = pick(blocks.filter((block) => block.hash !== result.hash));
        return other ? { ...answer, result: structuredClone(other) } : undefined;
      }
      case 'otherLogs': {
        if (method !== 'eth_getLogs' || !Array.isArray(result)) return undefined;
        const key = JSON.stringify(request.params);
        const other = pick(logAnswers.filter((seen) => seen.key !== key && JSON.stringify(seen.logs) !== JSON.stringify(result)));
        if (other) return { ...answer, result: structuredClone(other.logs) };
        return result.length > 0 ? { ...answer, result: [] } : undefined;
      }
      case 'aheadNonce': {
        if (method !== 'eth_getTransactionCount' || typeof result !== 'string') return undefined;
        return { ...answer, result: `0x${(BigInt(result) + 40n).toString(16)}` };
      }
      case 'otherReceipt': {
        if (method !== 'eth_getTransactionReceipt' || !result || typeof result !== 'object') return undefined;
        const other = pick(receipts.filter((receipt) => receipt.transactionHash !== (result as Json).transactionHash));
        return other ? { ...answer, result: structuredClone(other) } : undefined;
      }
    }
  }

  function breakShape(kind: 'wrongType' | 'missingField' | 'hugeNumber', answer: RpcResponse): RpcResponse {
    const result = answer.result;
    if (kind === 'wrongType') {
      return { ...answer, result: typeof result === 'string' ? Number.parseInt(result, 16) || 42 : typeof result === 'object' && result !== null ? 'not an object' : { unexpected: true } };
    }
    if (kind === 'missingField') {
      const copy = structuredClone(result) as Json | Json[];
      const victim = (Array.isArray(copy) ? copy[0] : copy) as Json;
      const keys = Object.keys(victim);
      delete victim[keys[Math.floor(random() * keys.length)]!];
      return { ...answer, result: copy };
    }
    return { ...answer, result: `0x${'f'.repeat(80)}` };
  }

  return {
    observe(request, answer) {
      if (answer.error || answer.result === null || answer.result === undefined) return;
      const method = request.method ?? '';
      if (method.startsWith('eth_getBlockBy') && isBlock(answer.result)) remember(blocks, answer.result);
      else if (method === 'eth_getLogs' && Array.isArray(answer.result)) remember(logAnswers, { key: JSON.stringify(request.params), logs: answer.result });
      else if (method === 'eth_getTransactionReceipt' && typeof answer.result === 'object') remember(receipts, answer.result as Json);
    },
    observeHead(header) {
      if (isBlock(header)) remember(blocks, header);
    },
    corrupt(request, answer) {
      if (answer.error) return answer;
      const kinds = params.kinds();
      if (!kinds) return classic(answer);
      // Try the kinds in a random order; the first that fits this answer is the lie.
      const order = [...kinds].sort(() => random() - 0.5);
      for (const kind of order) {
        const lied = lie(kind, request, answer);
        if (lied) {
          note(kind);
          return lied;
        }
      }
      return answer;
    },
    corruptHead(text) {
      const kinds = params.kinds();
      const headKinds = (kinds ?? ['truncated']).filter((kind) => kind === 'truncated' || kind === 'wrongHash' || kind === 'wrongParentHash' || kind === 'hugeNumber');
      const kind = pick(headKinds);
      if (!kind) return text;
      if (kind === 'truncated') {
        note('wsMalformed');
        return text.slice(0, Math.floor(text.length * random()));
      }
      try {
        const message = JSON.parse(text) as { params?: { result?: Json } };
        const header = message.params?.result;
        if (!isBlock(header)) return text;
        const field = kind === 'wrongHash' ? 'hash' : kind === 'wrongParentHash' ? 'parentHash' : 'number';
        header[field] = kind === 'hugeNumber' ? `0x${'f'.repeat(80)}` : otherHash(header[field]);
        note(`ws:${kind}`);
        return JSON.stringify(message);
      } catch {
        return text;
      }
    },
    truncates: () => (params.kinds() ?? classicMalformedKinds).includes('truncated'),
  };
}
