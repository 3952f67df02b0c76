/**
 * A contract that emits many logs per transaction, for replay tests and the replay benchmark: raw
 * runtime bytecode (no solc), called with one word `n`, emits `n` times
 * `Transfer(from = msg.sender, to = this, value = i)` for i = 0..n-1 (about 1,850 gas per log).
 */
import { parseAbi, toEventSelector, type Address, type Hex, type PublicClient } from 'viem';

export const transferEvent = 'event Transfer(address indexed from, address indexed to, uint256 value)';
export const manyLogsAbi = parseAbi([transferEvent, 'function emitMany(uint256 n)']);
const transferTopic = toEventSelector(transferEvent).slice(2);

/**
 *   n = calldataload(0); i = 0
 *   loop: if !(i < n) goto end; mstore(0, i); log3(0, 32, Transfer, caller, address); i++; goto loop
 *   end: stop
 * (The word is read at offset 0, so plain `abi.encode(n)` calldata works; no selector.)
 */
export const manyLogsRuntime: Hex = `0x60003560005b8181101560${(63).toString(16)}578060005230337f${transferTopic}60206000a36001016005565b00` as Hex;

/** Init code that deploys `runtime` as is (runtime up to 255 bytes). */
function initCodeFor(runtime: Hex): Hex {
  const length = (runtime.length - 2) / 2;
  const len = length.toString(16).padStart(2, '0');
  return `0x60${len}600c60003960${len}6000f3${runtime.slice(2)}`;
}

async function send(client: PublicClient, tx: { from: Address; to?: Address; data: Hex; gas?: bigint }): Promise<Hex> {
  return (await client.request({
    method: 'eth_sendTransaction',
    params: [{ from: tx.from, ...(tx.to ? { to: tx.to } : {}), data: tx.data, ...(tx.gas ? { gas: `0x${tx.gas.toString(16)}` } : {}) }],
  } as never)) as Hex;
}

export async function deployManyLogs(client: PublicClient, from: Address): Promise<Address> {
  const hash = await send(client, { from, data: initCodeFor(manyLogsRuntime) });
  const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  return receipt.contractAddress!;
}

/** Sends one transaction emitting `count` Transfer logs (values 0..count-1); resolves once mined. */
export async function emitMany(client: PublicClient, params: { from: Address; contract: Address; count: number; wait?: boolean }): Promise<Hex> {
  const data = `0x${params.count.toString(16).padStart(64, '0')}` as Hex;
  const hash = await send(client, { from: params.from, to: params.contract, data, gas: BigInt(60_000 + params.count * 2_000) });
  if (params.wait !== false) await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  return hash;
}
