/**
 * A small client for the Safe Transaction Service, the few endpoints mode `safe-propose` needs:
 * propose a SafeTx with warden's signature, read it back (confirmations, execution), and the
 * Safe{Wallet} link people open to co-sign it.
 *
 * Endpoints, as @safe-global/api-kit 4.x calls them (`url` is the service's API root, which api-kit
 * calls `txServiceUrl`, e.g. `https://api.safe.global/tx-service/eth/api`):
 *   POST {url}/v2/safes/{checksummed safe}/multisig-transactions/   201 "Created or signature updated"
 *   GET  {url}/v2/multisig-transactions/{safeTxHash}/                200, 404 when unknown
 * The body carries uint256 fields as decimal strings (as api-kit does; the service's integer fields
 * accept them, and a JSON number would lose precision above 2^53) and `operation` as a number.
 *
 * Proposing is idempotent on the service side: it stores by safeTxHash with get-or-create, so the same
 * proposal again answers 201. Once the SafeTx was executed, the service answers 422 "Tx with
 * safe-tx-hash=<hash> for safe=<safe> was already executed in tx-hash=<tx>"; for our own hash that is
 * success (`already-executed`), not an error.
 *
 * Errors name the service by host only — never its path (a proxy may carry a token there) nor the API key.
 *
 * @example
 * const service = createTransactionServiceClient({ url: 'https://api.safe.global/tx-service/eth/api', apiKey });
 * await service.propose({ safe, tx, safeTxHash, sender: guardian.address, signature });
 * const status = await service.get(safeTxHash); // { confirmations: 1, confirmationsRequired: 2, isExecuted: false }
 */
import { getAddress, type Address, type Hex } from 'viem';
import { registerSecret, registerUrlSecrets, scrubSecrets } from '../../src/log.js';
import type { SafeTx } from './safe-tx.js';

/** The SafeTx the service stores (the same fields the Safe hashes). */
export type SafeTxFields = SafeTx;

export interface CreateTransactionServiceClientParameters {
  /**
   * The service's API root, as api-kit's `txServiceUrl`: `https://api.safe.global/tx-service/eth/api`,
   * or a self-hosted `https://safe-tx.example.com/api`. `/api` is appended when the url does not end with it.
   */
  url: string;
  /** Per request; default 10,000 ms. */
  timeoutMs?: number;
  /** Sent as `Authorization: Bearer <key>`; api.safe.global requires one (developer.safe.global). */
  apiKey?: string;
  /** For tests; default the global fetch. */
  fetch?: typeof fetch;
}

export interface ProposeParameters {
  /** The Safe; sent checksummed (the service answers 422 to any other spelling). */
  safe: Address;
  tx: SafeTxFields;
  /** The SafeTx's EIP-712 hash; the service recomputes it and rejects a mismatch. */
  safeTxHash: Hex;
  /** An owner (or delegate) of the Safe; its signature must recover to it. */
  sender: Address;
  /** `sender`'s 65-byte signature over `safeTxHash`. */
  signature: Hex;
  /** Shown in the Safe app; at most 200 characters. Default "warden". */
  origin?: string;
}

export type ProposeResult =
  | { outcome: 'proposed' }
  /** The service says this very SafeTx was already executed (in `transactionHash`, when it says so). */
  | { outcome: 'already-executed'; transactionHash?: Hex };

export interface ServiceTransactionStatus {
  /** Owner signatures the service holds. */
  confirmations: number;
  /** The Safe's threshold as the service knows it (absent while it cannot tell). */
  confirmationsRequired?: number;
  isExecuted: boolean;
  /** When executed: whether the Safe reported ExecutionSuccess. */
  isSuccessful?: boolean;
  /** The outer transaction that executed it. */
  transactionHash?: Hex;
  /** The SafeTx's nonce (-1 if the service sent none). */
  nonce: bigint;
}

export interface TransactionServiceClient {
  /**
   * Proposes the SafeTx with `sender`'s signature. Safe to repeat: the same proposal again is success,
   * and so is the service's answer that this SafeTx was already executed.
   * @throws TransactionServiceError (`retryable` says whether trying again can help).
   */
  propose(params: ProposeParameters): Promise<ProposeResult>;
  /**
   * The service's view of one SafeTx, or undefined when it does not know the hash (404).
   * @throws TransactionServiceError
   */
  get(safeTxHash: Hex): Promise<ServiceTransactionStatus | undefined>;
}

/** A failed request to the service. The message names its host, the HTTP status and the service's own words. */
export class TransactionServiceError extends Error {
  override name = 'TransactionServiceError';
  constructor(
    message: string,
    readonly details: {
      /** host[:port] of the service. */
      host: string;
      /** Absent when no HTTP answer came (connection refused, timeout). */
      status?: number;
      /** What the service said, flattened to one line. */
      serviceMessage?: string;
      /** Network errors, timeouts, 429 and 5xx: a later try may succeed. 4xx: it will not. */
      retryable: boolean;
    },
  ) {
    super(message);
  }
}

export type TransactionServiceErrorType = TransactionServiceError;

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_MESSAGE = 300;

/**
 * Creates the client. Throws at once for an unusable url, or for api.safe.global without an API key
 * (the hosted service rejects keyless requests; api-kit refuses the same).
 */
export function createTransactionServiceClient(params: CreateTransactionServiceClientParameters): TransactionServiceClient {
  const base = apiRoot(params.url);
  const host = new URL(base).host;
  if (!params.apiKey && /(^|\.)api\.safe\.global$/i.test(new URL(base).hostname)) {
    throw new Error(`Safe Transaction Service at ${host} needs an API key (get one at https://developer.safe.global and set transactionService.apiKeyEnv)`);
  }
  // Both may end up inside a message the service echoes; the log scrubber removes them everywhere.
  registerSecret(params.apiKey);
  registerUrlSecrets(params.url);
  const timeoutMs = params.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const doFetch = params.fetch ?? fetch;
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json', 'user-agent': 'warden' };
  if (params.apiKey) headers.authorization = `Bearer ${params.apiKey}`;

  async function request(what: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const reason = networkReason(error, timeoutMs);
      throw new TransactionServiceError(`Safe Transaction Service at ${host} ${reason} (${what})`, { host, retryable: true });
    }
    const text = await response.text().catch(() => '');
    return { status: response.status, json: parseJson(text) };
  }

  function fail(what: string, status: number, json: unknown): never {
    const serviceMessage = describeServiceAnswer(json);
    const retryable = status === 429 || status === 408 || status >= 500;
    const said = serviceMessage ? `: ${serviceMessage}` : '';
    throw new TransactionServiceError(`Safe Transaction Service at ${host} answered HTTP ${status} to ${what}${said}`, {
      host,
      status,
      serviceMessage,
      retryable,
    });
  }

  return {
    async propose({ safe, tx, safeTxHash, sender, signature, origin = 'warden' }) {
      const checksummed = getAddress(safe);
      const what = `the proposal of ${safeTxHash}`;
      const { status, json } = await request(what, 'POST', `/v2/safes/${checksummed}/multisig-transactions/`, {
        to: getAddress(tx.to),
        value: tx.value.toString(),
        data: tx.data,
        operation: tx.operation,
        safeTxGas: tx.safeTxGas.toString(),
        baseGas: tx.baseGas.toString(),
        gasPrice: tx.gasPrice.toString(),
        gasToken: getAddress(tx.gasToken),
        refundReceiver: getAddress(tx.refundReceiver),
        nonce: tx.nonce.toString(),
        contractTransactionHash: safeTxHash,
        sender: getAddress(sender),
        signature,
        origin,
      });
      if (status === 201 || status === 200) return { outcome: 'proposed' };
      if (status === 422) {
        const executed = alreadyExecuted(json, safeTxHash);
        if (executed) return executed;
      }
      fail(what, status, json);
    },

    async get(safeTxHash) {
      const what = `the lookup of ${safeTxHash}`;
      const { status, json } = await request(what, 'GET', `/v2/multisig-transactions/${safeTxHash}/`);
      if (status === 404) return undefined;
      if (status !== 200) fail(what, status, json);
      return readStatus(json, host);
    },
  };
}

/** The API root without a trailing slash, ending in `/api`. */
function apiRoot(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('Safe Transaction Service url is not a valid url; expected e.g. https://api.safe.global/tx-service/eth/api');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`Safe Transaction Service url must be http(s), got ${parsed.protocol}//${parsed.host}`);
  }
  const path = parsed.pathname.replace(/\/+$/, '');
  parsed.pathname = path.endsWith('/api') ? path : `${path}/api`;
  return parsed.toString().replace(/\/+$/, '');
}

/** Only the kind of failure: fetch's own messages and causes may quote the url. */
function networkReason(error: unknown, timeoutMs: number): string {
  const name = (error as Error | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `did not answer within ${timeoutMs} ms`;
  const code = (error as { cause?: { code?: string } } | undefined)?.cause?.code;
  return code ? `could not be reached (${code})` : 'could not be reached (network error)';
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The service's answer in one line. DRF answers `{"detail": ...}`, the service's own checks
 * `{"code", "message", "arguments"}`, validation errors `{"field": ["..."], "nonFieldErrors": ["..."]}`.
 */
export function describeServiceAnswer(json: unknown): string | undefined {
  let text: string | undefined;
  if (typeof json === 'string') text = json.trim().startsWith('<') ? undefined : json;
  else if (json && typeof json === 'object' && !Array.isArray(json)) {
    const record = json as Record<string, unknown>;
    if (typeof record.message === 'string') text = record.message;
    else if (typeof record.detail === 'string') text = record.detail;
    else {
      text = Object.entries(record)
        .map(([field, value]) => {
          const said = Array.isArray(value) ? value.map(String).join(' ') : typeof value === 'string' ? value : JSON.stringify(value);
          return field === 'nonFieldErrors' || field === 'non_field_errors' ? said : `${field}: ${said}`;
        })
        .join('; ');
    }
  } else if (Array.isArray(json)) text = json.map(String).join('; ');
  if (!text) return undefined;
  const line = text.replace(/\s+/g, ' ').trim().slice(0, MAX_MESSAGE * 2);
  return scrubSecrets(line).slice(0, MAX_MESSAGE);
}

/** The 422 the service gives when this very SafeTx was executed already. */
function alreadyExecuted(json: unknown, safeTxHash: Hex): ProposeResult | undefined {
  const said = describeServiceAnswer(json) ?? '';
  const match = /safe-tx-hash=(0x[0-9a-fA-F]{64}) .*was already executed(?: in tx-hash=(0x[0-9a-fA-F]{64}))?/.exec(said);
  if (!match || match[1]!.toLowerCase() !== safeTxHash.toLowerCase()) return undefined;
  return match[2] ? { outcome: 'already-executed', transactionHash: match[2] as Hex } : { outcome: 'already-executed' };
}

function readStatus(json: unknown, host: string): ServiceTransactionStatus {
  const record = (json && typeof json === 'object' ? json : {}) as Record<string, unknown>;
  if (typeof record.isExecuted !== 'boolean' || !Array.isArray(record.confirmations)) {
    throw new TransactionServiceError(`Safe Transaction Service at ${host} answered with an unexpected document (no isExecuted or confirmations)`, {
      host,
      status: 200,
      retryable: false,
    });
  }
  const status: ServiceTransactionStatus = {
    confirmations: record.confirmations.length,
    isExecuted: record.isExecuted,
    nonce: /^\d+$/.test(String(record.nonce)) ? BigInt(String(record.nonce)) : -1n,
  };
  if (typeof record.confirmationsRequired === 'number') status.confirmationsRequired = record.confirmationsRequired;
  if (typeof record.isSuccessful === 'boolean') status.isSuccessful = record.isSuccessful;
  if (typeof record.transactionHash === 'string' && /^0x[0-9a-fA-F]{64}$/.test(record.transactionHash)) {
    status.transactionHash = record.transactionHash as Hex;
  }
  return status;
}
