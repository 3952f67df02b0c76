/**
 * Deploys the drill's demo protocol — DemoToken (DEMO) and DemoVault — and seeds the vault with
 * deposits, in two blocks whatever the mining mode:
 *
 *   block A  deployer: deploy token, deploy vault (guardian gets PAUSER_ROLE in the constructor),
 *            mint to every depositor — one nonce after another;
 *   block B  each depositor: approve the vault, deposit.
 *
 * Block B waits for block A's receipts because its transactions need the token's code; within a block
 * each sender's transactions run in nonce order, so nothing else depends on ordering.
 */
import { encodeDeployData, encodeFunctionData, getContractAddress, type Address, type Hex, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { demoTokenAbi, demoVaultAbi } from './abis.js';
import { compileContracts } from './compile.js';
import { createDrillClient, feesFromLatestBlock, sendSigned, waitForReceipt, type Fees } from './tx.js';

export interface DemoDepositor {
  /** An anvil dev key (or any funded key on a local chain). `drillAccounts.depositors` fits as is. */
  key: Hex;
  /** Raw token units (18 decimals). */
  amount: bigint;
}

export interface DeployDemoProtocolParameters {
  rpcUrl: string;
  deployerKey: Hex;
  /** Receives PAUSER_ROLE. */
  guardianAddress: Address;
  depositors: readonly DemoDepositor[];
  /** Receipt polling interval; default 50 ms. */
  pollingIntervalMs?: number;
}

export interface DeployDemoProtocolReturnType {
  token: Address;
  vault: Address;
  decimals: number;
  symbol: string;
  /** vault.totalDeposits() after seeding, raw units. */
  totalDeposits: bigint;
  /** Holds DEFAULT_ADMIN_ROLE on the vault and owns the token. */
  admin: Address;
  depositors: { address: Address; amount: bigint }[];
  /** The block that holds the last set-up transaction. */
  setupBlock: number;
}

/** A set-up transaction reverted or was not mined; names which one. */
export class DemoDeployError extends Error {
  override name = 'DemoDeployError';
}

// Gas limits for transactions sent before the contracts they call exist (so they cannot be estimated).
// Generous: what is not used is not paid, and a block has 30M gas.
const MINT_GAS = 150_000n;
const APPROVE_GAS = 100_000n;
const DEPOSIT_GAS = 200_000n;

interface Pending {
  label: string;
  hash: Hex;
}

async function confirmAll(client: PublicClient, pending: Pending[], pollingIntervalMs: number): Promise<number> {
  const receipts = await Promise.all(pending.map((tx) => waitForReceipt({ client, hash: tx.hash, pollingIntervalMs })));
  receipts.forEach((receipt, i) => {
    if (receipt.status !== 'success') throw new DemoDeployError(`demo set-up: ${pending[i]!.label} reverted (tx ${receipt.transactionHash})`);
  });
  return Math.max(...receipts.map((receipt) => Number(receipt.blockNumber)));
}

/**
 * Deploys and seeds the demo protocol. Works with automine and with interval mining; returns the real
 * addresses (on a fresh anvil with dev account #0 they are the token at 0x5FbDB…0aa3 and the vault at
 * 0xe7f1…0512, but nothing here assumes it). Throws {@link DemoDeployError} if any set-up tx reverts.
 *
 * @example
 * const demo = await deployDemoProtocol({ rpcUrl, deployerKey: drillAccounts.deployer.key,
 *   guardianAddress: drillAccounts.guardian.address, depositors: drillAccounts.depositors });
 */
export async function deployDemoProtocol(params: DeployDemoProtocolParameters): Promise<DeployDemoProtocolReturnType> {
  const pollingIntervalMs = params.pollingIntervalMs ?? 50;
  const client = createDrillClient({ rpcUrl: params.rpcUrl, pollingIntervalMs });
  const deployer = privateKeyToAccount(params.deployerKey);
  const depositors = params.depositors.map((entry) => ({ account: privateKeyToAccount(entry.key), amount: entry.amount }));
  const compiled = await compileContracts();

  const [chainId, firstNonce, fees] = await Promise.all([
    client.getChainId(),
    client.getTransactionCount({ address: deployer.address, blockTag: 'pending' }),
    // 2× base fee leaves room for the base fee to rise between the two set-up blocks.
    feesFromLatestBlock({ client, multiplier: 2, priorityFee: 1_000_000_000n }),
  ]);
  const send = (from: typeof deployer, nonce: number, fields: { to?: Address; data: Hex; gas: bigint }, sendFees: Fees = fees) =>
    sendSigned({ client, account: from, chainId, nonce, fees: sendFees, ...fields });

  // Block A — deployer only; the vault's constructor takes the token's address before the token exists.
  const token = getContractAddress({ from: deployer.address, nonce: BigInt(firstNonce) });
  const vault = getContractAddress({ from: deployer.address, nonce: BigInt(firstNonce + 1) });
  const tokenDeploy = encodeDeployData({ abi: compiled.DemoToken.abi, bytecode: compiled.DemoToken.bytecode });
  const vaultDeploy = encodeDeployData({
    abi: compiled.DemoVault.abi,
    bytecode: compiled.DemoVault.bytecode,
    args: [token, deployer.address, params.guardianAddress],
  });
  const [tokenGas, vaultGas] = await Promise.all(
    [tokenDeploy, vaultDeploy].map((data) => client.estimateGas({ account: deployer.address, data })),
  );
  const blockA: Pending[] = [];
  // Sent one after another (each call returns once the node has the tx) so nonces arrive in order.
  blockA.push({ label: 'deploy DemoToken', hash: await send(deployer, firstNonce, { data: tokenDeploy, gas: (tokenGas! * 12n) / 10n }) });
  blockA.push({ label: 'deploy DemoVault', hash: await send(deployer, firstNonce + 1, { data: vaultDeploy, gas: (vaultGas! * 12n) / 10n }) });
  for (const [i, depositor] of depositors.entries()) {
    const data = encodeFunctionData({ abi: demoTokenAbi, functionName: 'mint', args: [depositor.account.address, depositor.amount] });
    blockA.push({ label: `mint to ${depositor.account.address}`, hash: await send(deployer, firstNonce + 2 + i, { to: token, data, gas: MINT_GAS }) });
  }
  await confirmAll(client, blockA, pollingIntervalMs);

  // Block B — every depositor approves and deposits; different senders, sent concurrently.
  const blockB = (
    await Promise.all(
      depositors.map(async ({ account, amount }) => {
        const nonce = await client.getTransactionCount({ address: account.address, blockTag: 'pending' });
        const approve = encodeFunctionData({ abi: demoTokenAbi, functionName: 'approve', args: [vault, amount] });
        const deposit = encodeFunctionData({ abi: demoVaultAbi, functionName: 'deposit', args: [amount] });
        const approveHash = await send(account, nonce, { to: token, data: approve, gas: APPROVE_GAS });
        const depositHash = await send(account, nonce + 1, { to: vault, data: deposit, gas: DEPOSIT_GAS });
        return [
          { label: `approve by ${account.address}`, hash: approveHash },
          { label: `deposit by ${account.address}`, hash: depositHash },
        ];
      }),
    )
  ).flat();
  const setupBlock = blockB.length > 0 ? await confirmAll(client, blockB, pollingIntervalMs) : Number(await client.getBlockNumber());

  const [decimals, symbol, totalDeposits] = await Promise.all([
    client.readContract({ address: token, abi: demoTokenAbi, functionName: 'decimals' }),
    client.readContract({ address: token, abi: demoTokenAbi, functionName: 'symbol' }),
    client.readContract({ address: vault, abi: demoVaultAbi, functionName: 'totalDeposits' }),
  ]);
  return {
    token,
    vault,
    decimals,
    symbol,
    totalDeposits,
    admin: deployer.address,
    depositors: depositors.map(({ account, amount }) => ({ address: account.address, amount })),
    setupBlock,
  };
}
