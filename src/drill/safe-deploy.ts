/**
 * Deploys real Safe 1.4.1 contracts (from the @safe-global/safe-contracts Hardhat artifacts) on a local
 * chain, creates Safes through the proxy factory and runs admin calls through them with owner keys. The
 * drill uses it at run time to give warden a Safe guardian; tests use it to get real Safes.
 *
 * Every helper sends signed transactions one at a time (or a batch with consecutive nonces) and waits for
 * their receipts, so it works under automine and under interval mining alike; a reverted set-up
 * transaction throws {@link SafeDeployError} naming the step.
 */
import { createRequire } from 'node:module';
import {
  encodeFunctionData,
  getAddress,
  parseAbi,
  parseEventLogs,
  zeroAddress,
  type Abi,
  type Address,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type TransactionReceipt,
} from 'viem';
import { buildSafeTx, encodeExecTransaction, safeAbi, signSafeTx } from '../../responders/safe/safe-tx.js';
import { feesFromLatestBlock, sendSigned, waitForReceipt } from './tx.js';

const require = createRequire(import.meta.url);

/** A set-up transaction reverted, or a Safe call ended in ExecutionFailure; the message names the step. */
export class SafeDeployError extends Error {
  override name = 'SafeDeployError';
}

/** Safe admin functions the drill and tests call through `execAsOwners` (warden itself never does). */
export const safeAdminAbi = parseAbi([
  'function setup(address[] _owners, uint256 _threshold, address to, bytes data, address fallbackHandler, address paymentToken, uint256 payment, address paymentReceiver)',
  'function enableModule(address module)',
  'function disableModule(address prevModule, address module)',
  'function changeThreshold(uint256 _threshold)',
  'function addOwnerWithThreshold(address owner, uint256 _threshold)',
  'function removeOwner(address prevOwner, address owner, uint256 _threshold)',
]);

const proxyFactoryAbi = parseAbi([
  'function createProxyWithNonce(address _singleton, bytes initializer, uint256 saltNonce) returns (address proxy)',
  'event ProxyCreation(address indexed proxy, address singleton)',
]);

interface HardhatArtifact {
  abi: Abi;
  bytecode: Hex;
}

/** A Safe 1.4.1 artifact by its path under build/artifacts/contracts (e.g. `Safe.sol/Safe.json`). */
export function safeArtifact(path: string): HardhatArtifact {
  return require(`@safe-global/safe-contracts/build/artifacts/contracts/${path}`) as HardhatArtifact;
}

/** One set-up transaction: a call, or a deployment when `to` is omitted (`data` is then the creation code). */
export interface SetupTx {
  to?: Address;
  data: Hex;
  /** Names the step in errors. */
  label: string;
}

export interface SendAllAndConfirmParameters {
  client: PublicClient;
  account: LocalAccount;
  txs: readonly SetupTx[];
  pollingIntervalMs?: number;
}

/**
 * Sends `txs` from `account` with consecutive nonces (so they can share a block), waits for every
 * receipt and throws {@link SafeDeployError} naming the step if one would revert or did. Gas is estimated
 * for each before any is mined, so no transaction of a batch may depend on an earlier one.
 */
export async function sendAllAndConfirm(params: SendAllAndConfirmParameters): Promise<TransactionReceipt[]> {
  const { client, account, txs } = params;
  if (txs.length === 0) return [];
  const [chainId, nonce, fees] = await Promise.all([
    client.getChainId(),
    client.getTransactionCount({ address: account.address, blockTag: 'pending' }),
    // 2× the base fee keeps the transactions valid if the base fee rises before they are mined.
    feesFromLatestBlock({ client, multiplier: 2, priorityFee: 1_000_000_000n }),
  ]);
  const hashes: Hex[] = [];
  for (const [i, tx] of txs.entries()) {
    const estimate = await client.estimateGas({ account: account.address, to: tx.to, data: tx.data }).catch((error: unknown) => {
      throw new SafeDeployError(`${tx.label}: would revert (${(error as Error).message.split('\n')[0]})`);
    });
    // 30% headroom: the Safe forwards 63/64 of its gas to the inner call and checks gasleft() itself.
    hashes.push(await sendSigned({ client, account, chainId, nonce: nonce + i, to: tx.to, data: tx.data, gas: (estimate * 13n) / 10n, fees }));
  }
  const receipts = await Promise.all(hashes.map((hash) => waitForReceipt({ client, hash, pollingIntervalMs: params.pollingIntervalMs ?? 50 })));
  receipts.forEach((receipt, i) => {
    if (receipt.status !== 'success') throw new SafeDeployError(`${txs[i]!.label} reverted (tx ${receipt.transactionHash})`);
  });
  return receipts;
}

/** Sends one transaction from `account` and returns its (successful) receipt. */
export async function sendAndConfirm(params: { client: PublicClient; account: LocalAccount; pollingIntervalMs?: number } & SetupTx): Promise<TransactionReceipt> {
  const { client, account, pollingIntervalMs, ...tx } = params;
  const [receipt] = await sendAllAndConfirm({ client, account, txs: [tx], pollingIntervalMs });
  return receipt!;
}

/** Where the shared Safe contracts live on a chain. */
export interface SafeSingletons {
  /** The Safe 1.4.1 singleton (Safe.sol, not SafeL2) every proxy delegates to. */
  singleton: Address;
  proxyFactory: Address;
  fallbackHandler: Address;
}

export interface DeploySafeSingletonsParameters {
  client: PublicClient;
  deployer: LocalAccount;
  pollingIntervalMs?: number;
}

/** Deploys the Safe singleton, SafeProxyFactory and CompatibilityFallbackHandler, in one block when mining allows. */
export async function deploySafeSingletons(params: DeploySafeSingletonsParameters): Promise<SafeSingletons> {
  const paths = ['Safe.sol/Safe.json', 'proxies/SafeProxyFactory.sol/SafeProxyFactory.json', 'handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json'];
  const receipts = await sendAllAndConfirm({
    client: params.client,
    account: params.deployer,
    txs: paths.map((path) => ({ data: safeArtifact(path).bytecode, label: `deploy ${path.split('/')[1]}` })),
    pollingIntervalMs: params.pollingIntervalMs,
  });
  const [singleton, proxyFactory, fallbackHandler] = receipts.map((receipt) => getAddress(receipt.contractAddress!));
  return { singleton: singleton!, proxyFactory: proxyFactory!, fallbackHandler: fallbackHandler! };
}

export interface CreateSafeParameters {
  client: PublicClient;
  /** Pays for the proxy creation; need not be an owner. */
  deployer: LocalAccount;
  singletons: SafeSingletons;
  owners: readonly Address[];
  threshold: number;
  /** CREATE2 salt; different salts give different Safes for the same owners. Default 0. */
  saltNonce?: bigint;
  pollingIntervalMs?: number;
}

/** Creates a Safe proxy through the factory (calling `setup` with owners, threshold and the fallback handler); returns its address. */
export async function createSafe(params: CreateSafeParameters): Promise<Address> {
  const { owners, threshold } = params;
  if (owners.length === 0) throw new Error('createSafe: owners is empty; a Safe needs at least one owner');
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > owners.length) {
    throw new Error(`createSafe: threshold ${threshold} must be an integer between 1 and the number of owners (${owners.length})`);
  }
  const initializer = encodeFunctionData({
    abi: safeAdminAbi,
    functionName: 'setup',
    args: [owners, BigInt(threshold), zeroAddress, '0x', params.singletons.fallbackHandler, zeroAddress, 0n, zeroAddress],
  });
  const receipt = await sendAndConfirm({
    client: params.client,
    account: params.deployer,
    to: params.singletons.proxyFactory,
    data: encodeFunctionData({
      abi: proxyFactoryAbi,
      functionName: 'createProxyWithNonce',
      args: [params.singletons.singleton, initializer, params.saltNonce ?? 0n],
    }),
    label: `create a ${threshold}-of-${owners.length} Safe`,
    pollingIntervalMs: params.pollingIntervalMs,
  });
  const [created] = parseEventLogs({ abi: proxyFactoryAbi, eventName: 'ProxyCreation', logs: receipt.logs });
  if (!created) throw new SafeDeployError(`create Safe: no ProxyCreation event in tx ${receipt.transactionHash}`);
  return getAddress(created.args.proxy);
}

export interface ExecAsOwnersParameters {
  client: PublicClient;
  safe: Address;
  /** Owner keys that together meet the threshold. */
  owners: readonly LocalAccount[];
  /** Submits `execTransaction`; default the first owner (whose signature is then pre-validated). */
  sender?: LocalAccount;
  /** The call's target; default the Safe itself (admin calls such as enableModule or changeThreshold). */
  to?: Address;
  data: Hex;
  /** Names the call in errors; default "Safe call". */
  label?: string;
  pollingIntervalMs?: number;
}

export interface ExecAsOwnersReturnType {
  receipt: TransactionReceipt;
  safeTxHash: Hex;
  /** The Safe nonce the call used. */
  nonce: bigint;
}

/**
 * Runs one call through the Safe with owner signatures (at the Safe's current nonce) and checks that it
 * emitted ExecutionSuccess. For admin calls build `data` with {@link safeAdminAbi}.
 *
 * @example
 * await execAsOwners({ client, safe, owners: [alice, bob],
 *   data: encodeFunctionData({ abi: safeAdminAbi, functionName: 'changeThreshold', args: [2n] }) });
 */
export async function execAsOwners(params: ExecAsOwnersParameters): Promise<ExecAsOwnersReturnType> {
  const { client, safe } = params;
  const sender = params.sender ?? params.owners[0];
  if (!sender) throw new Error('execAsOwners: owners is empty; give the owner keys that meet the Safe threshold');
  const label = params.label ?? 'Safe call';
  const [chainId, nonce] = await Promise.all([client.getChainId(), client.readContract({ address: safe, abi: safeAbi, functionName: 'nonce' })]);
  const tx = buildSafeTx({ to: params.to ?? safe, data: params.data, nonce });
  const signed = await signSafeTx({ chainId, safe, tx, signers: params.owners, sender: sender.address });
  const receipt = await sendAndConfirm({
    client,
    account: sender,
    to: safe,
    data: encodeExecTransaction({ tx, signatures: signed.signatures }),
    label,
    pollingIntervalMs: params.pollingIntervalMs,
  });
  const executed = parseEventLogs({ abi: safeAbi, eventName: 'ExecutionSuccess', logs: receipt.logs }).some(
    (log) => log.address.toLowerCase() === safe.toLowerCase() && log.args.txHash === signed.safeTxHash,
  );
  if (!executed) throw new SafeDeployError(`${label}: the Safe did not emit ExecutionSuccess (tx ${receipt.transactionHash})`);
  return { receipt, safeTxHash: signed.safeTxHash, nonce };
}
