/**
 * The Safe (1.4.1) transaction building blocks warden needs to act through a Safe: build a SafeTx,
 * hash it (EIP-712, the same hash as the Safe's `getTransactionHash`), sign it with the daemon's
 * owner key(s), encode `execTransaction`, read the Safe's state, and find a SafeTx's execution.
 *
 * Pure functions and standalone reads; nothing here sends a transaction or keeps state, so the
 * responders decide how to broadcast, persist and retry.
 */
import {
  encodeFunctionData,
  getAddress,
  hashTypedData,
  pad,
  parseAbi,
  type Address,
  type Hex,
  type LocalAccount,
  type PublicClient,
} from 'viem';

/** A Safe transaction, field for field as the Safe hashes and executes it. */
export interface SafeTx {
  to: Address;
  value: bigint;
  data: Hex;
  /** 0 = call, 1 = delegatecall. */
  operation: 0 | 1;
  safeTxGas: bigint;
  baseGas: bigint;
  gasPrice: bigint;
  gasToken: Address;
  refundReceiver: Address;
  nonce: bigint;
}

const zeroAddress: Address = '0x0000000000000000000000000000000000000000';

/**
 * The parts of the Safe 1.4.1 ABI warden uses (checked item by item against the artifact in
 * @safe-global/safe-contracts by safe-tx.test.ts).
 */
const executionEvents = parseAbi([
  'event ExecutionSuccess(bytes32 indexed txHash, uint256 payment)',
  'event ExecutionFailure(bytes32 indexed txHash, uint256 payment)',
]);
const [executionSuccessEvent, executionFailureEvent] = executionEvents;

export const safeAbi = [
  ...parseAbi([
  'function execTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures) payable returns (bool)',
  'function nonce() view returns (uint256)',
  'function getThreshold() view returns (uint256)',
  'function getOwners() view returns (address[])',
  'function getModulesPaginated(address start, uint256 pageSize) view returns (address[] array, address next)',
  'function isModuleEnabled(address module) view returns (bool)',
  'function getTransactionHash(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, uint256 _nonce) view returns (bytes32)',
  'function approvedHashes(address, bytes32) view returns (uint256)',
  ]),
  ...executionEvents,
] as const;

/**
 * A plain call SafeTx: no value unless given, no gas refund (safeTxGas, baseGas and gasPrice 0, no gas
 * token or refund receiver). With safeTxGas 0 the Safe reverts the whole transaction when the inner
 * call fails, so a failed pause never consumes the nonce silently.
 */
export function buildSafeTx(params: { to: Address; data: Hex; nonce: bigint; value?: bigint }): SafeTx {
  if (params.nonce < 0n) throw new Error(`buildSafeTx: nonce must be >= 0, got ${params.nonce}`);
  return {
    to: getAddress(params.to),
    value: params.value ?? 0n,
    data: params.data,
    operation: 0,
    safeTxGas: 0n,
    baseGas: 0n,
    gasPrice: 0n,
    gasToken: zeroAddress,
    refundReceiver: zeroAddress,
    nonce: params.nonce,
  };
}

// EIP-712 types of Safe 1.4.1 (the domain has chainId and verifyingContract, no name or version).
const safeTxTypes = {
  SafeTx: [
    { name: 'to', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'data', type: 'bytes' },
    { name: 'operation', type: 'uint8' },
    { name: 'safeTxGas', type: 'uint256' },
    { name: 'baseGas', type: 'uint256' },
    { name: 'gasPrice', type: 'uint256' },
    { name: 'gasToken', type: 'address' },
    { name: 'refundReceiver', type: 'address' },
    { name: 'nonce', type: 'uint256' },
  ],
} as const;

function typedData(params: { chainId: number; safe: Address; tx: SafeTx }) {
  return {
    domain: { chainId: params.chainId, verifyingContract: params.safe },
    types: safeTxTypes,
    primaryType: 'SafeTx',
    message: params.tx,
  } as const;
}

/** The SafeTx hash (EIP-712), equal to the Safe's own `getTransactionHash(...)`. */
export function safeTxHash(params: { chainId: number; safe: Address; tx: SafeTx }): Hex {
  return hashTypedData(typedData(params));
}

export interface SignedSafeTx {
  safeTxHash: Hex;
  /** 65 bytes per signer, in ascending owner-address order: what `execTransaction` takes. */
  signatures: Hex;
  /** The signers' addresses, in the order their signatures are packed. */
  signers: Address[];
}

/**
 * The pre-validated signature of `owner` (r = owner, s = 0, v = 1): the Safe accepts it without any
 * signature when msg.sender is that owner (or the owner approved the hash on chain).
 */
export function encodeSignatureForOwner(owner: Address): Hex {
  return `0x${pad(owner.toLowerCase() as Hex, { size: 32 }).slice(2)}${'0'.repeat(64)}01`;
}

/**
 * Signs a SafeTx with each of `signers` and packs the signatures the way Safe's `checkNSignatures`
 * requires: one per owner, sorted by owner address ascending. Each is an ECDSA signature over the
 * EIP-712 typed data (v 27/28); the signer whose address is `sender` (the account that will submit
 * `execTransaction`) gets the pre-validated form instead, which costs no signature.
 *
 * Throws when `signers` is empty or names the same account twice (the Safe would reject it with GS026).
 */
export async function signSafeTx(params: {
  chainId: number;
  safe: Address;
  tx: SafeTx;
  signers: readonly LocalAccount[];
  sender?: Address;
}): Promise<SignedSafeTx> {
  if (params.signers.length === 0) throw new Error('signSafeTx: no signers given; pass at least one owner account');
  const sorted = [...params.signers].sort((a, b) => compareAddresses(a.address, b.address));
  for (let i = 1; i < sorted.length; i++) {
    if (compareAddresses(sorted[i - 1]!.address, sorted[i]!.address) === 0) {
      throw new Error(`signSafeTx: signer ${sorted[i]!.address} is given twice; each owner signs once`);
    }
  }
  const sender = params.sender?.toLowerCase();
  const data = typedData(params);
  const signatures = await Promise.all(
    sorted.map((signer) =>
      signer.address.toLowerCase() === sender ? encodeSignatureForOwner(signer.address) : signer.signTypedData(data),
    ),
  );
  return {
    safeTxHash: hashTypedData(data),
    signatures: `0x${signatures.map((signature) => signature.slice(2)).join('')}`,
    signers: sorted.map((signer) => getAddress(signer.address)),
  };
}

/** Orders addresses as the Safe does: by their numeric value. */
function compareAddresses(a: Address, b: Address): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Calldata of `execTransaction` for a SafeTx and its packed signatures. */
export function encodeExecTransaction(params: { tx: SafeTx; signatures: Hex }): Hex {
  const { tx } = params;
  return encodeFunctionData({
    abi: safeAbi,
    functionName: 'execTransaction',
    args: [tx.to, tx.value, tx.data, tx.operation, tx.safeTxGas, tx.baseGas, tx.gasPrice, tx.gasToken, tx.refundReceiver, params.signatures],
  });
}

export interface SafeState {
  /** The nonce the next SafeTx must carry. */
  nonce: bigint;
  threshold: number;
  owners: Address[];
  /** Enabled modules, as the Safe lists them (most recently enabled first). */
  modules: Address[];
}

const SENTINEL: Address = '0x0000000000000000000000000000000000000001';
const MODULE_PAGE_SIZE = 50n;

/**
 * Reads a Safe's nonce, threshold, owners and modules, all at the same block (`blockNumber`, default
 * the latest block at the time of the first read, so the four values are consistent).
 */
export async function readSafeState(params: { client: PublicClient; safe: Address; blockNumber?: bigint }): Promise<SafeState> {
  const { client, safe } = params;
  // cacheTime 0: viem otherwise serves a block number up to one polling interval old, and a stale nonce
  // would build a SafeTx the Safe has already executed.
  const blockNumber = params.blockNumber ?? (await client.getBlockNumber({ cacheTime: 0 }));
  const read = { address: safe, abi: safeAbi, blockNumber } as const;
  const [nonce, threshold, owners, modules] = await Promise.all([
    client.readContract({ ...read, functionName: 'nonce' }),
    client.readContract({ ...read, functionName: 'getThreshold' }),
    client.readContract({ ...read, functionName: 'getOwners' }),
    readModules(client, safe, blockNumber),
  ]);
  return { nonce, threshold: Number(threshold), owners: [...owners], modules };
}

async function readModules(client: PublicClient, safe: Address, blockNumber: bigint): Promise<Address[]> {
  const modules: Address[] = [];
  let start = SENTINEL;
  // A full page returns its last module as `next`; the list ends when `next` is the sentinel (or zero).
  for (;;) {
    const [page, next] = await client.readContract({
      address: safe,
      abi: safeAbi,
      functionName: 'getModulesPaginated',
      args: [start, MODULE_PAGE_SIZE],
      blockNumber,
    });
    modules.push(...page);
    if (page.length < Number(MODULE_PAGE_SIZE) || BigInt(next) <= 1n) return modules;
    start = next;
  }
}

/** Where a SafeTx was executed: the outer transaction, its block, and whether the inner call succeeded. */
export interface SafeExecution {
  txHash: Hex;
  blockNumber: bigint;
  success: boolean;
}

/**
 * Looks for the `ExecutionSuccess` / `ExecutionFailure` log of `safeTxHash` emitted by `safe` between
 * `fromBlock` and `toBlock` (default latest). A SafeTx hash includes the nonce, so it executes at most
 * once; undefined means it has not been executed in that range (or the range starts after the head).
 */
export async function findSafeExecution(params: {
  client: PublicClient;
  safe: Address;
  safeTxHash: Hex;
  fromBlock: bigint;
  toBlock?: bigint;
}): Promise<SafeExecution | undefined> {
  // A range starting after the head is empty (nodes reject it rather than answer nothing).
  const toBlock = params.toBlock ?? (await params.client.getBlockNumber({ cacheTime: 0 }));
  if (params.fromBlock > toBlock) return undefined;
  const range = { address: params.safe, args: { txHash: params.safeTxHash }, fromBlock: params.fromBlock, toBlock } as const;
  const [successes, failures] = await Promise.all([
    params.client.getLogs({ ...range, event: executionSuccessEvent }),
    params.client.getLogs({ ...range, event: executionFailureEvent }),
  ]);
  const found = [...successes.map((log) => ({ log, success: true })), ...failures.map((log) => ({ log, success: false }))].find(
    ({ log }) => log.args.txHash?.toLowerCase() === params.safeTxHash.toLowerCase() && log.blockNumber !== null && log.transactionHash !== null,
  );
  if (!found) return undefined;
  const { log, success } = found;
  return { txHash: log.transactionHash!, blockNumber: log.blockNumber!, success };
}
