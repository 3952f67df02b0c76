/**
 * A local stand-in for the Safe Transaction Service (which cannot run here: it needs Postgres,
 * RabbitMQ and an indexer), used by the tests and by `warden drill --guardian safe-propose`, which runs
 * it in the drill process. It implements the few endpoints warden uses, with the real service's paths,
 * status codes and JSON shapes (camelCase, as its DRF renderer writes them):
 *
 *   POST /api/v2/safes/{Safe}/multisig-transactions/                 201 empty; 422 field or nonFieldErrors;
 *                                                                    422 {code:1, message:"Checksum address validation failed"}
 *   GET  /api/v2/multisig-transactions/{safeTxHash}/                 200 the transaction; 404 {detail}
 *   GET  /api/v1/multisig-transactions/{safeTxHash}/confirmations/   200 paginated confirmations
 *   POST /api/v1/multisig-transactions/{safeTxHash}/confirmations/   201 {signature}: a co-signer adds theirs
 *
 * A body that is not JSON answers 400 {detail: "JSON parse error - ..."}. Proposals are stored by
 * safeTxHash with get-or-create, so proposing the same SafeTx twice answers 201 twice; after
 * `markExecuted` the service answers 422 "... was already executed in tx-hash=...", as the real one does
 * once its indexer saw the execution (the stand-in does not watch the chain: tests and the drill's
 * co-signers tell it).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { getAddress, isAddress, type Address, type Hex } from 'viem';
import { parseSafeSignatures, recomputeSafeTxHash, validateFields, type ParsedSignature, type ProposalFields } from './safe-tx-service-validate.js';

export interface SafeTxServiceStandInOptions {
  /** The chain's id: when given, contractTransactionHash must equal the recomputed SafeTx hash (as on the real service). */
  chainId?: number;
  /** The Safe's owners (the real service reads them on chain): when given, the sender and every signer must be one. */
  owners?: readonly Address[];
  /** Reported as `confirmationsRequired` (the Safe's threshold); default null, as for a Safe the service has not indexed. */
  threshold?: number;
}

export interface StoredProposal extends ProposalFields {
  safe: Address;
  safeTxHash: Hex;
  submissionDate: string;
  confirmations: Map<Address, { signature: Hex; signatureType: ParsedSignature['signatureType']; submissionDate: string }>;
  execution?: { transactionHash: Hex; blockNumber: number; isSuccessful: boolean; executionDate: string };
}

export interface SafeTxServiceStandIn {
  /** The API root to configure (`…/api`), as api-kit's txServiceUrl. */
  url: string;
  /** Accepted proposals (each distinct safeTxHash once), in order. */
  proposals(): StoredProposal[];
  /** Every request: method, path, the Authorization header and the parsed JSON body. */
  requests: { method: string; path: string; authorization?: string; body?: unknown }[];
  /** Answer the next `count` requests with `status` and `body` (default 503 and a DRF `detail`), before any handling. */
  failNext(params: { count?: number; status?: number; body?: unknown }): void;
  /** What the indexer would record once the SafeTx executes on chain. */
  markExecuted(params: { safeTxHash: Hex; transactionHash: Hex; blockNumber?: number; isSuccessful?: boolean }): void;
  close(): Promise<void>;
}

const hashPattern = '(0x[0-9a-fA-F]{64})';
const routes = {
  propose: new RegExp(`^/api/v2/safes/([^/]+)/multisig-transactions/?$`),
  transaction: new RegExp(`^/api/v2/multisig-transactions/${hashPattern}/?$`),
  confirmations: new RegExp(`^/api/v1/multisig-transactions/${hashPattern}/confirmations/?$`),
};

export async function startSafeTxServiceStandIn(options: SafeTxServiceStandInOptions = {}): Promise<SafeTxServiceStandIn> {
  const stored = new Map<string, StoredProposal>();
  const requests: SafeTxServiceStandIn['requests'] = [];
  const failures: { status: number; body: unknown }[] = [];
  const owners = options.owners?.map((owner) => getAddress(owner));

  const server: Server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => send(response, 500, { detail: `stand-in error: ${String(error)}` }));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://stand-in').pathname;
    const method = request.method ?? 'GET';
    const body = await readBody(request);
    requests.push({ method, path, authorization: request.headers.authorization, body: 'json' in body ? body.json : undefined });
    const failure = failures.shift();
    if (failure !== undefined) return send(response, failure.status, failure.body);

    let match = routes.propose.exec(path);
    if (match && method === 'POST') return propose(match[1]!, body, response);
    match = routes.transaction.exec(path);
    if (match && method === 'GET') {
      const proposal = stored.get(match[1]!.toLowerCase());
      return proposal ? send(response, 200, present(proposal)) : send(response, 404, { detail: 'No MultisigTransaction matches the given query.' });
    }
    match = routes.confirmations.exec(path);
    if (match && method === 'GET') {
      const proposal = stored.get(match[1]!.toLowerCase());
      const results = proposal ? presentConfirmations(proposal) : [];
      return send(response, 200, { count: results.length, next: null, previous: null, results });
    }
    if (match && method === 'POST') return confirm(match[1]!.toLowerCase() as Hex, body, response);
    if (match || routes.propose.test(path) || routes.transaction.test(path)) return send(response, 405, { detail: `Method "${method}" not allowed.` });
    return send(response, 404, { detail: 'Not found.' });
  }

  async function propose(safeInPath: string, body: BodyRead, response: ServerResponse): Promise<void> {
    if (!isAddress(safeInPath, { strict: false }) || getAddress(safeInPath) !== safeInPath) {
      return send(response, 422, { code: 1, message: 'Checksum address validation failed', arguments: [safeInPath] });
    }
    if ('parseError' in body) return send(response, 400, { detail: `JSON parse error - ${body.parseError}` });
    const validated = validateFields(body.json);
    if ('errors' in validated) return send(response, 422, validated.errors);
    const fields = validated.fields;
    const safe = safeInPath as Address;
    const problem = await objectProblem(safe, fields);
    if (problem) return send(response, 422, { nonFieldErrors: [problem.message] });

    const key = fields.contractTransactionHash.toLowerCase();
    const now = new Date().toISOString();
    let proposal = stored.get(key);
    if (!proposal) {
      proposal = { ...fields, safe, safeTxHash: key as Hex, submissionDate: now, confirmations: new Map() };
      stored.set(key, proposal);
    }
    for (const signature of await signaturesOf(fields)) {
      if (!proposal.confirmations.has(signature.owner)) {
        proposal.confirmations.set(signature.owner, { signature: signature.signature, signatureType: signature.signatureType, submissionDate: now });
      }
    }
    return send(response, 201, undefined);
  }

  /** The serializer's validate(): the first failing check, in the real service's order. */
  async function objectProblem(safe: Address, fields: ProposalFields): Promise<{ message: string } | undefined> {
    if (fields.operation === 2) return { message: 'Operation CREATE not supported. Please use Gnosis Safe CreateLib' };
    const claimed = fields.contractTransactionHash.toLowerCase();
    if (options.chainId !== undefined) {
      const actual = recomputeSafeTxHash({ chainId: options.chainId, safe, fields });
      if (actual !== claimed) return { message: `Contract-transaction-hash=${actual} does not match provided contract-tx-hash=${claimed}` };
    }
    const executed = [...stored.values()].filter((p) => p.safe === safe && p.nonce === fields.nonce && p.execution);
    const same = executed.find((p) => p.safeTxHash === claimed);
    if (same) return { message: `Tx with safe-tx-hash=${claimed} for safe=${safe} was already executed in tx-hash=${same.execution!.transactionHash}` };
    if (executed[0]) return { message: `Tx with nonce=${fields.nonce} for safe=${safe} already executed in tx-hash=${executed[0].execution!.transactionHash}` };
    const ownerList = owners ? `Current owners=[${owners.map((o) => `'${o}'`).join(', ')}]. Delegates=set()` : '';
    if (owners && !owners.includes(fields.sender)) return { message: `Sender=${fields.sender} is not an owner or delegate. ${ownerList}` };
    let signatures: ParsedSignature[];
    try {
      signatures = await signaturesOf(fields);
    } catch {
      return { message: `Signature=${fields.signature} is not valid` };
    }
    const seen: Address[] = [];
    for (const { owner } of signatures) {
      if (owners && !owners.includes(owner)) return { message: `Signer=${owner} is not an owner or delegate. ${ownerList}` };
      if (seen.includes(owner)) return { message: `Signature for owner=${owner} is duplicated` };
      seen.push(owner);
    }
    if (seen.length > 0 && !seen.includes(fields.sender)) {
      return { message: `Signature does not match sender=${fields.sender}. Calculated owners=[${seen.map((o) => `'${o}'`).join(', ')}]` };
    }
    return undefined;
  }

  async function confirm(safeTxHash: Hex, body: BodyRead, response: ServerResponse): Promise<void> {
    if ('parseError' in body) return send(response, 400, { detail: `JSON parse error - ${body.parseError}` });
    const proposal = stored.get(safeTxHash);
    if (!proposal) return send(response, 404, { detail: `Multisig transaction with safe-tx-hash=${safeTxHash} was not found` });
    const signature = (body.json as { signature?: unknown } | undefined)?.signature;
    if (typeof signature !== 'string' || !/^0x([0-9a-fA-F]{130})+$/.test(signature)) {
      return send(response, 400, { signature: [signature === undefined ? 'This field is required.' : 'Ensure this field has at least 65 hexadecimal chars (not counting 0x).'] });
    }
    if (proposal.execution) return send(response, 400, { signature: [`Transaction with safe-tx-hash=${safeTxHash} was already executed`] });
    const now = new Date().toISOString();
    for (const parsed of await parseSafeSignatures(signature as Hex, safeTxHash)) {
      if (owners && !owners.includes(parsed.owner)) {
        return send(response, 400, { signature: [`Signer=${parsed.owner} is not an owner. Current owners=[${owners.map((o) => `'${o}'`).join(', ')}]`] });
      }
      if (!proposal.confirmations.has(parsed.owner)) {
        proposal.confirmations.set(parsed.owner, { signature: parsed.signature, signatureType: parsed.signatureType, submissionDate: now });
      }
    }
    return send(response, 201, { signature });
  }

  function present(proposal: StoredProposal): Record<string, unknown> {
    const execution = proposal.execution;
    return {
      safe: proposal.safe,
      to: proposal.to,
      value: proposal.value.toString(),
      data: proposal.data && proposal.data !== '0x' ? proposal.data : null,
      operation: proposal.operation,
      gasToken: proposal.gasToken ?? zeroAddress,
      safeTxGas: proposal.safeTxGas.toString(),
      baseGas: proposal.baseGas.toString(),
      gasPrice: proposal.gasPrice.toString(),
      refundReceiver: proposal.refundReceiver ?? zeroAddress,
      nonce: proposal.nonce.toString(),
      executionDate: execution?.executionDate ?? null,
      submissionDate: proposal.submissionDate,
      modified: proposal.submissionDate,
      blockNumber: execution?.blockNumber ?? null,
      transactionHash: execution?.transactionHash ?? null,
      safeTxHash: proposal.safeTxHash,
      proposer: proposal.sender,
      proposedByDelegate: null,
      executor: null,
      isExecuted: execution !== undefined,
      isSuccessful: execution ? execution.isSuccessful : null,
      ethGasPrice: null,
      maxFeePerGas: null,
      maxPriorityFeePerGas: null,
      gasUsed: null,
      fee: null,
      origin: proposal.origin ?? '{}',
      dataDecoded: null,
      confirmationsRequired: options.threshold ?? null,
      confirmations: presentConfirmations(proposal),
      trusted: proposal.confirmations.size > 0,
      signatures: null,
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/api`,
    proposals: () => [...stored.values()],
    requests,
    failNext({ count = 1, status = 503, body = { detail: 'Service temporarily unavailable, try again later.' } }) {
      for (let i = 0; i < count; i++) failures.push({ status, body });
    },
    markExecuted({ safeTxHash, transactionHash, blockNumber = 0, isSuccessful = true }) {
      const proposal = stored.get(safeTxHash.toLowerCase());
      if (!proposal) throw new Error(`stand-in: no proposal ${safeTxHash} to mark executed`);
      proposal.execution = { transactionHash, blockNumber, isSuccessful, executionDate: new Date().toISOString() };
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const zeroAddress: Address = '0x0000000000000000000000000000000000000000';

function presentConfirmations(proposal: StoredProposal): Record<string, unknown>[] {
  return [...proposal.confirmations].map(([owner, confirmation]) => ({
    owner,
    submissionDate: confirmation.submissionDate,
    transactionHash: null,
    signature: confirmation.signature,
    signatureType: confirmation.signatureType,
  }));
}

function signaturesOf(fields: ProposalFields): Promise<ParsedSignature[]> {
  return fields.signature ? parseSafeSignatures(fields.signature, fields.contractTransactionHash) : Promise.resolve([]);
}

type BodyRead = { json: unknown } | { parseError: string };

async function readBody(request: IncomingMessage): Promise<BodyRead> {
  let text = '';
  for await (const chunk of request) text += chunk;
  if (text === '') return { json: undefined };
  try {
    return { json: JSON.parse(text) };
  } catch (error) {
    return { parseError: (error as Error).message };
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
