import { createServer, type Server } from 'node:http';
import { getAddress, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { drillAccounts } from '../../src/drill/accounts.js';
import { freePort } from '../../src/drill/processes.js';
import { startSafeTxServiceStandIn, type SafeTxServiceStandIn } from '../../src/drill/safe-tx-service.js';
import { recomputeSafeTxHash } from '../../src/drill/safe-tx-service-validate.js';
import { signingLink } from './signing-link.js';
import { createTransactionServiceClient, TransactionServiceError, type SafeTxFields } from './transaction-service.js';

const chainId = 31337;
const safe = getAddress('0x1000000000000000000000000000000000000abc');
const vault = getAddress('0xe7f1725e7734ce288f8367e1bb143e90bb3f0512');
const zero: Address = '0x0000000000000000000000000000000000000000';
const proposer = privateKeyToAccount(drillAccounts.guardian.key);
const coSigner = privateKeyToAccount(drillAccounts.depositors[0]!.key);
const outsider = privateKeyToAccount(drillAccounts.attacker.key);
const apiKey = 'sk-test-0123456789abcdef';

function pauseTx(nonce: bigint): SafeTxFields {
  return { to: vault, value: 0n, data: '0x8456cb59', operation: 0, safeTxGas: 0n, baseGas: 0n, gasPrice: 0n, gasToken: zero, refundReceiver: zero, nonce };
}

function hashOf(tx: SafeTxFields): Hex {
  return recomputeSafeTxHash({ chainId, safe, fields: { ...tx, contractTransactionHash: '0x', sender: zero, signature: null, origin: null } });
}

/** The error a call fails with; a call that succeeds fails the test. */
async function failure(call: Promise<unknown>): Promise<TransactionServiceError> {
  const outcome = await call.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a TransactionServiceError, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(TransactionServiceError);
  return outcome.error as TransactionServiceError;
}

/** A proposal signed the way warden signs: ECDSA over the SafeTx hash (v 27/28). */
async function signed(tx: SafeTxFields, account = proposer) {
  const safeTxHash = hashOf(tx);
  return { safe, tx, safeTxHash, sender: account.address, signature: await account.sign({ hash: safeTxHash }) };
}

describe('Safe Transaction Service client against the stand-in', () => {
  let service: SafeTxServiceStandIn;
  beforeAll(async () => {
    service = await startSafeTxServiceStandIn({ chainId, owners: [proposer.address, coSigner.address], threshold: 2 });
  });
  afterAll(() => service.close());

  it('proposes with the real body shape and reads the proposal back', async () => {
    const client = createTransactionServiceClient({ url: service.url, apiKey });
    const proposal = await signed(pauseTx(7n));
    expect(await client.propose({ ...proposal, origin: 'warden: pause vault' })).toEqual({ outcome: 'proposed' });

    const last = service.requests.at(-1)!;
    expect(last).toMatchObject({ method: 'POST', path: `/api/v2/safes/${safe}/multisig-transactions/`, authorization: `Bearer ${apiKey}` });
    // uint256 fields as decimal strings (exact beyond 2^53), operation as a number, addresses checksummed.
    expect(last.body).toEqual({
      to: vault, value: '0', data: '0x8456cb59', operation: 0, safeTxGas: '0', baseGas: '0', gasPrice: '0', gasToken: zero, refundReceiver: zero,
      nonce: '7', contractTransactionHash: proposal.safeTxHash, sender: proposer.address, signature: proposal.signature, origin: 'warden: pause vault',
    });
    const stored = service.proposals().find((entry) => entry.safeTxHash === proposal.safeTxHash)!;
    expect(stored).toMatchObject({ to: vault, nonce: 7n, operation: 0, sender: proposer.address, origin: 'warden: pause vault' });
    expect([...stored.confirmations.keys()]).toEqual([proposer.address]);

    expect(await client.get(proposal.safeTxHash)).toEqual({ confirmations: 1, confirmationsRequired: 2, isExecuted: false, nonce: 7n });
  });

  it('treats proposing the same SafeTx again as success, storing it once', async () => {
    const client = createTransactionServiceClient({ url: service.url });
    const proposal = await signed(pauseTx(8n));
    await client.propose(proposal);
    await client.propose(proposal);
    expect(service.proposals().filter((entry) => entry.safeTxHash === proposal.safeTxHash)).toHaveLength(1);
    expect((await client.get(proposal.safeTxHash))?.confirmations).toBe(1);
  });

  it('follows co-signers and execution; a proposal after execution is already-executed, not an error', async () => {
    const client = createTransactionServiceClient({ url: service.url });
    const proposal = await signed(pauseTx(9n));
    await client.propose(proposal);
    const confirmation = await fetch(`${service.url}/v1/multisig-transactions/${proposal.safeTxHash}/confirmations/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ signature: await coSigner.sign({ hash: proposal.safeTxHash }) }),
    });
    expect(confirmation.status).toBe(201);
    expect(await client.get(proposal.safeTxHash)).toMatchObject({ confirmations: 2, isExecuted: false });

    const transactionHash: Hex = `0x${'ab'.repeat(32)}`;
    service.markExecuted({ safeTxHash: proposal.safeTxHash, transactionHash, blockNumber: 12 });
    expect(await client.get(proposal.safeTxHash)).toEqual({ confirmations: 2, confirmationsRequired: 2, isExecuted: true, isSuccessful: true, transactionHash, nonce: 9n });
    expect(await client.propose(proposal)).toEqual({ outcome: 'already-executed', transactionHash });

    // Another SafeTx with the executed nonce is a real error: it can never execute.
    const other = await signed({ ...pauseTx(9n), data: '0x3f4ba83a' });
    await expect(client.propose(other)).rejects.toThrow(/HTTP 422 .*Tx with nonce=9 for safe=.* already executed/);
  });

  it('answers undefined for a SafeTx the service does not know', async () => {
    const client = createTransactionServiceClient({ url: service.url });
    expect(await client.get(`0x${'00'.repeat(31)}01`)).toBeUndefined();
  });

  it('surfaces a rejected proposal with the host, the status and the service\'s words', async () => {
    const client = createTransactionServiceClient({ url: service.url });
    const proposal = await signed(pauseTx(10n));
    const wrongHash = { ...proposal, safeTxHash: hashOf(pauseTx(11n)) };
    const error = await failure(client.propose(wrongHash));
    const { host } = new URL(service.url);
    expect(error.message).toBe(
      `Safe Transaction Service at ${host} answered HTTP 422 to the proposal of ${wrongHash.safeTxHash}: Contract-transaction-hash=${proposal.safeTxHash} does not match provided contract-tx-hash=${wrongHash.safeTxHash}`,
    );
    expect(error.details).toMatchObject({ host, status: 422, retryable: false });

    await expect(client.propose(await signed(pauseTx(10n), outsider))).rejects.toThrow(`Sender=${outsider.address} is not an owner or delegate`);
    // Signed by the co-signer but sent as the proposer: the service recovers the signer.
    const mismatched = { ...(await signed(pauseTx(10n), coSigner)), sender: proposer.address };
    await expect(client.propose(mismatched)).rejects.toThrow(`Signature does not match sender=${proposer.address}`);
  });

  it('surfaces a 400 and a 503, the latter as retryable', async () => {
    const client = createTransactionServiceClient({ url: service.url });
    const proposal = await signed(pauseTx(12n));
    service.failNext({ status: 400, body: { detail: 'Malformed data' } });
    const bad = await failure(client.propose(proposal));
    expect(bad.message).toMatch(/answered HTTP 400 to the proposal of 0x[0-9a-f]{64}: Malformed data$/);
    expect(bad.details.retryable).toBe(false);

    service.failNext({ status: 503 });
    const busy = await failure(client.get(proposal.safeTxHash));
    expect(busy.message).toMatch(/answered HTTP 503 to the lookup of 0x[0-9a-f]{64}: Service temporarily unavailable/);
    expect(busy.details).toMatchObject({ status: 503, retryable: true });
  });
});

describe('the stand-in validates like the real service', () => {
  let service: SafeTxServiceStandIn;
  beforeAll(async () => {
    service = await startSafeTxServiceStandIn();
  });
  afterAll(() => service.close());

  const post = (path: string, body: string) => fetch(`${service.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('reports every field error in camelCase with 422', async () => {
    const body = { to: vault.toLowerCase(), value: 'abc', data: '0x', operation: 0, safeTxGas: '0', baseGas: -1, gasPrice: 1.5, contractTransactionHash: '0x12', sender: proposer.address };
    const response = await post(`/v2/safes/${safe}/multisig-transactions/`, JSON.stringify(body));
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({
      to: [`Address ${vault.toLowerCase()} is not checksumed`],
      value: ['A valid integer is required.'],
      baseGas: ['Ensure this value is greater than or equal to 0.'],
      gasPrice: ['A valid integer is required.'],
      nonce: ['This field is required.'],
      contractTransactionHash: ['Ensure this field has at least 32 hexadecimal chars (not counting 0x).'],
    });
  });

  it('rejects a Safe address that is not checksummed, and a body that is not JSON', async () => {
    const lower = await post(`/v2/safes/${safe.toLowerCase()}/multisig-transactions/`, '{}');
    expect(lower.status).toBe(422);
    expect(await lower.json()).toEqual({ code: 1, message: 'Checksum address validation failed', arguments: [safe.toLowerCase()] });
    const garbage = await post(`/v2/safes/${safe}/multisig-transactions/`, '{"to":');
    expect(garbage.status).toBe(400);
    expect((await garbage.json()).detail).toMatch(/^JSON parse error - /);
  });
});

describe('an unreachable service', () => {
  const secretPath = '/team-7f3a9c2e4b1d8f60/api';
  let silent: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (silent ? (silent.closeAllConnections(), silent.close(() => resolve())) : resolve())));

  it('reports a refused connection without the url path or the key', async () => {
    const port = await freePort();
    const client = createTransactionServiceClient({ url: `http://127.0.0.1:${port}${secretPath}`, apiKey });
    const error = await failure(client.get(`0x${'11'.repeat(32)}`));
    expect(error.message).toBe(`Safe Transaction Service at 127.0.0.1:${port} could not be reached (ECONNREFUSED) (the lookup of 0x${'11'.repeat(32)})`);
    expect(error.details.retryable).toBe(true);
  });

  it('reports a service that does not answer in time', async () => {
    silent = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const client = createTransactionServiceClient({ url: `http://127.0.0.1:${port}${secretPath}`, apiKey, timeoutMs: 300 });
    const error = await failure(client.propose(await signed(pauseTx(1n))));
    expect(error.message).toMatch(new RegExp(`^Safe Transaction Service at 127\\.0\\.0\\.1:${port} did not answer within 300 ms`));
    expect(error.message).not.toContain('team-7f3a9c2e4b1d8f60');
    expect(error.message).not.toContain(apiKey);
  });

  it('refuses api.safe.global without an API key', () => {
    expect(() => createTransactionServiceClient({ url: 'https://api.safe.global/tx-service/eth/api' })).toThrow(/needs an API key/);
  });
});

describe('signingLink', () => {
  const safeTxHash: Hex = `0x${'ab'.repeat(32)}`;
  it('builds the Safe{Wallet} transaction link', () => {
    expect(signingLink({ chainId: 1, safe: safe.toLowerCase() as Address, safeTxHash })).toBe(
      `https://app.safe.global/transactions/tx?safe=eth:${safe}&id=multisig_${safe}_${safeTxHash}`,
    );
    expect(signingLink({ chainId: 137, safe, safeTxHash })).toContain('?safe=matic:');
    expect(signingLink({ appUrl: 'https://safe.example.com/', chainId: 31337, chainShortName: 'anvil', safe, safeTxHash })).toBe(
      `https://safe.example.com/transactions/tx?safe=anvil:${safe}&id=multisig_${safe}_${safeTxHash}`,
    );
  });
  it('gives no link for a chain without a known short name, and rejects a malformed hash', () => {
    expect(signingLink({ chainId: 31337, safe, safeTxHash })).toBeUndefined();
    expect(() => signingLink({ chainId: 1, safe, safeTxHash: '0x1234' })).toThrow(/safeTxHash must be 0x \+ 64 hex digits/);
  });
});
