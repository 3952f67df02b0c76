/**
 * Raw-bytecode fixtures for the chain tests (no Solidity: the drill fixtures are someone else's).
 * anvil's accounts are unlocked, so transactions go through eth_sendTransaction.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createPublicClient, http, toEventSelector, type Address, type Hex, type PublicClient } from 'viem';

/** Runtime: LOG1 with topic = first calldata word, no data; then STOP. */
export const emitterRuntime: Hex = '0x60003560006000a100';
/** Runtime: returns the first argument (calldata word at offset 4). */
export const echoRuntime: Hex = '0x60043560005260206000f3';
export const pingEvent = 'event Ping()';
export const pingTopic = toEventSelector(pingEvent);

/** Init code that deploys `runtime` as is. */
export function initCodeFor(runtime: Hex): Hex {
  const length = (runtime.length - 2) / 2;
  if (length > 255) throw new Error('runtime too long for this tiny init code');
  const len = length.toString(16).padStart(2, '0');
  return `0x60${len}600c60003960${len}6000f3${runtime.slice(2)}`;
}

export function rpc(url: string): PublicClient {
  return createPublicClient({ transport: http(url) }) as PublicClient;
}

export async function accounts(client: PublicClient): Promise<Address[]> {
  return (await client.request({ method: 'eth_accounts' } as never)) as Address[];
}

export async function sendTx(client: PublicClient, tx: { to?: Address; data?: Hex; value?: Hex }): Promise<Hex> {
  const [from] = await accounts(client);
  const hash = (await client.request({ method: 'eth_sendTransaction', params: [{ from: from!, ...tx }] } as never)) as Hex;
  await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  return hash;
}

export async function deploy(client: PublicClient, runtime: Hex): Promise<Address> {
  const hash = await sendTx(client, { data: initCodeFor(runtime) });
  const receipt = await client.getTransactionReceipt({ hash });
  return receipt.contractAddress!;
}

export async function mine(client: PublicClient, blocks: number): Promise<void> {
  await client.request({ method: 'anvil_mine', params: [`0x${blocks.toString(16)}`] } as never);
}

export async function reorg(client: PublicClient, depth: number, txs: unknown[] = []): Promise<void> {
  await client.request({ method: 'anvil_reorg', params: [depth, txs] } as never);
}

/** Removes the newest `depth` blocks (the chain gets shorter; anvil forgets them by hash too). */
export async function rollback(client: PublicClient, depth: number): Promise<void> {
  await client.request({ method: 'anvil_rollback', params: [depth] } as never);
}

/** Puts Multicall3 at its canonical address (anvil does not predeploy it). Uses viem's own bytecode. */
export async function installMulticall3(client: PublicClient): Promise<void> {
  const require = createRequire(import.meta.url);
  const file = join(dirname(require.resolve('viem/package.json')), '_esm', 'constants', 'contracts.js');
  const match = /multicall3Bytecode\s*=\s*'(0x[0-9a-f]+)'/.exec(readFileSync(file, 'utf8'));
  if (!match) throw new Error('multicall3Bytecode not found in viem');
  const hash = await sendTx(client, { data: match[1] as Hex });
  const deployed = (await client.getTransactionReceipt({ hash })).contractAddress!;
  const code = await client.getCode({ address: deployed });
  await client.request({ method: 'anvil_setCode', params: ['0xcA11bde05977b3631167028862bE2a173976CA11', code] } as never);
}
