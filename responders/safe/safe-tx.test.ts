import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, encodeFunctionData, getAddress, http, parseEther, type Abi, type AbiParameter, type Address, type Hex, type LocalAccount, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { DEPLOYER, DEPOSITORS } from '../../src/drill/accounts.js';
import { startAnvil, type Anvil } from '../../src/drill/processes.js';
import { createSafe, deploySafeSingletons, execAsOwners, safeAdminAbi, safeArtifact, sendAndConfirm, type SafeSingletons } from '../../src/drill/safe-deploy.js';
import { createDrillClient } from '../../src/drill/tx.js';
import {
  buildSafeTx,
  encodeExecTransaction,
  encodeSignatureForOwner,
  findSafeExecution,
  readSafeState,
  safeAbi,
  safeTxHash,
  signSafeTx,
  type SafeTx,
} from './safe-tx.js';

/** kind name(input types and names) mutability returns (output types): enough to tell ABI items apart. */
function describeItem(item: Abi[number]): string {
  const params = (list: readonly AbiParameter[] = []) =>
    list.map((p) => [p.type, 'indexed' in p && p.indexed ? 'indexed' : '', p.name ?? ''].filter(Boolean).join(' ')).join(', ');
  if (item.type === 'function') return `function ${item.name}(${params(item.inputs)}) ${item.stateMutability} returns (${item.outputs.map((o) => o.type).join(', ')})`;
  if (item.type === 'event') return `event ${item.name}(${params(item.inputs)})`;
  return item.type;
}

const deployer = privateKeyToAccount(DEPLOYER.key);
const [alice, bob, carol] = DEPOSITORS.slice(0, 3).map((account) => privateKeyToAccount(account.key)) as [LocalAccount, LocalAccount, LocalAccount];

describe('Safe transactions against the real Safe 1.4.1 contracts', () => {
  let anvil: Anvil;
  let client: PublicClient;
  let chainId: number;
  let singletons: SafeSingletons;
  let saltNonce = 0n;

  beforeAll(async () => {
    anvil = await startAnvil();
    client = createDrillClient({ rpcUrl: anvil.url });
    chainId = await client.getChainId();
    singletons = await deploySafeSingletons({ client, deployer });
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  const newSafe = (owners: readonly LocalAccount[], threshold: number) =>
    createSafe({ client, deployer, singletons, owners: owners.map((owner) => owner.address), threshold, saltNonce: saltNonce++ });

  /** A SafeTx moving `amount` of the Safe's ETH to a fresh address (funded first), so execution is visible in a balance. */
  async function fundedTransfer(safe: Address, amount: bigint): Promise<{ tx: SafeTx; recipient: Address }> {
    await client.request({ method: 'anvil_setBalance' as never, params: [safe, `0x${parseEther('10').toString(16)}`] as never });
    const recipient = privateKeyToAccount(`0x${(BigInt(safe) + 7n).toString(16).padStart(64, '0')}` as Hex).address;
    const nonce = await client.readContract({ address: safe, abi: safeAbi, functionName: 'nonce' });
    return { tx: buildSafeTx({ to: recipient, data: '0x', nonce, value: amount }), recipient };
  }

  it('has every safeAbi item exactly as in the Safe 1.4.1 artifact', () => {
    const artifact = new Set(safeArtifact('Safe.sol/Safe.json').abi.map(describeItem));
    for (const item of safeAbi) expect(artifact).toContain(describeItem(item));
  });

  it('hashes a SafeTx exactly as the deployed Safe does, every field included', async () => {
    const safe = await newSafe([alice], 1);
    const tx: SafeTx = {
      to: bob.address,
      value: 12345n,
      data: '0xdeadbeef',
      operation: 1,
      safeTxGas: 100_000n,
      baseGas: 21_000n,
      gasPrice: 7n,
      gasToken: carol.address,
      refundReceiver: alice.address,
      nonce: 42n,
    };
    const onChain = await client.readContract({
      address: safe,
      abi: safeAbi,
      functionName: 'getTransactionHash',
      args: [tx.to, tx.value, tx.data, tx.operation, tx.safeTxGas, tx.baseGas, tx.gasPrice, tx.gasToken, tx.refundReceiver, tx.nonce],
    });
    expect(safeTxHash({ chainId, safe, tx })).toBe(onChain);
    // The hash binds the chain and the Safe.
    expect(safeTxHash({ chainId: chainId + 1, safe, tx })).not.toBe(onChain);
    expect(safeTxHash({ chainId, safe: bob.address, tx })).not.toBe(onChain);
  });

  it('executes on a 1-of-1 Safe when its owner sends it with the pre-validated signature', async () => {
    const safe = await newSafe([alice], 1);
    const { tx, recipient } = await fundedTransfer(safe, parseEther('1'));
    const signed = await signSafeTx({ chainId, safe, tx, signers: [alice], sender: alice.address });
    expect(signed.signatures).toBe(encodeSignatureForOwner(alice.address));
    expect(signed.signatures).toBe(`0x${'0'.repeat(24)}${alice.address.slice(2).toLowerCase()}${'0'.repeat(64)}01`);

    const data = encodeExecTransaction({ tx, signatures: signed.signatures });
    // The pre-validated form is only valid from the owner itself.
    await expect(client.call({ account: deployer.address, to: safe, data })).rejects.toThrow(/GS025/);
    const receipt = await sendAndConfirm({ client, account: alice, to: safe, data, label: 'exec 1-of-1' });
    expect(await client.getBalance({ address: recipient })).toBe(parseEther('1'));

    const found = await findSafeExecution({ client, safe, safeTxHash: signed.safeTxHash, fromBlock: 0n });
    expect(found).toEqual({ txHash: receipt.transactionHash, blockNumber: receipt.blockNumber, success: true });
  });

  it('executes on a 2-of-3 Safe with two ECDSA signatures packed by owner address, whatever order the signers are given in', async () => {
    const safe = await newSafe([alice, bob, carol], 2);
    const { tx, recipient } = await fundedTransfer(safe, parseEther('2'));
    const ascending = [carol, alice].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
    const given = [...ascending].reverse();
    const signed = await signSafeTx({ chainId, safe, tx, signers: given });
    expect(signed.signers).toEqual(ascending.map((account) => getAddress(account.address)));
    expect(signed.safeTxHash).toBe(safeTxHash({ chainId, safe, tx }));
    expect((signed.signatures.length - 2) / 2).toBe(130);
    expect(await signSafeTx({ chainId, safe, tx, signers: ascending })).toEqual(signed);
    for (const v of [signed.signatures.slice(2 + 128, 2 + 130), signed.signatures.slice(2 + 258, 2 + 260)]) expect(['1b', '1c']).toContain(v);

    // Packed in the other order the Safe rejects them: the ordering is what makes them valid.
    const reversed: Hex = `0x${signed.signatures.slice(132)}${signed.signatures.slice(2, 132)}`;
    await expect(client.call({ account: deployer.address, to: safe, data: encodeExecTransaction({ tx, signatures: reversed }) })).rejects.toThrow(/GS026/);
    // One signature is below the threshold.
    const one = await signSafeTx({ chainId, safe, tx, signers: [alice] });
    await expect(client.call({ account: deployer.address, to: safe, data: encodeExecTransaction({ tx, signatures: one.signatures }) })).rejects.toThrow(/GS020/);

    const fromBlock = (await client.getBlockNumber({ cacheTime: 0 })) + 1n;
    expect(await findSafeExecution({ client, safe, safeTxHash: signed.safeTxHash, fromBlock })).toBeUndefined();
    // A non-owner submits: both owners sign with ECDSA.
    const receipt = await sendAndConfirm({ client, account: deployer, to: safe, data: encodeExecTransaction({ tx, signatures: signed.signatures }), label: 'exec 2-of-3' });
    expect(await client.getBalance({ address: recipient })).toBe(parseEther('2'));
    expect(await findSafeExecution({ client, safe, safeTxHash: signed.safeTxHash, fromBlock })).toEqual({
      txHash: receipt.transactionHash,
      blockNumber: receipt.blockNumber,
      success: true,
    });
    expect(await findSafeExecution({ client, safe, safeTxHash: signed.safeTxHash, fromBlock: receipt.blockNumber + 1n })).toBeUndefined();
    // Another Safe's logs never match.
    expect(await findSafeExecution({ client, safe: singletons.singleton, safeTxHash: signed.safeTxHash, fromBlock: 0n })).toBeUndefined();
  });

  it('mixes a pre-validated sender with an ECDSA co-signer in owner order', async () => {
    const safe = await newSafe([alice, bob, carol], 2);
    const { tx, recipient } = await fundedTransfer(safe, 3n);
    const signed = await signSafeTx({ chainId, safe, tx, signers: [bob, carol], sender: carol.address });
    const carolIndex = signed.signers.indexOf(getAddress(carol.address));
    expect(signed.signatures.slice(2 + carolIndex * 130, 2 + (carolIndex + 1) * 130)).toBe(encodeSignatureForOwner(carol.address).slice(2));
    await sendAndConfirm({ client, account: carol, to: safe, data: encodeExecTransaction({ tx, signatures: signed.signatures }), label: 'exec mixed' });
    expect(await client.getBalance({ address: recipient })).toBe(3n);
  });

  it('refuses signer lists the Safe would reject', async () => {
    const tx = buildSafeTx({ to: bob.address, data: '0x', nonce: 0n });
    await expect(signSafeTx({ chainId, safe: bob.address, tx, signers: [] })).rejects.toThrow(/no signers/);
    await expect(signSafeTx({ chainId, safe: bob.address, tx, signers: [alice, bob, alice] })).rejects.toThrow(/given twice/);
  });

  it('reads owners, threshold, modules and nonce, at the latest or a given block', async () => {
    const safe = await newSafe([alice, bob, carol], 2);
    const before = await client.getBlockNumber({ cacheTime: 0 });
    const modules = [getAddress(`0x${'ab'.repeat(20)}`), getAddress(`0x${'cd'.repeat(20)}`)];
    for (const module of modules) {
      await execAsOwners({ client, safe, owners: [alice, bob], data: encodeFunctionData({ abi: safeAdminAbi, functionName: 'enableModule', args: [module] }) });
    }
    const state = await readSafeState({ client, safe });
    expect(state.nonce).toBe(2n);
    expect(state.threshold).toBe(2);
    expect(state.owners).toEqual([alice, bob, carol].map((owner) => getAddress(owner.address)));
    // The Safe lists the most recently enabled module first.
    expect(state.modules).toEqual([...modules].reverse());
    expect(await readSafeState({ client, safe, blockNumber: before })).toEqual({ ...state, nonce: 0n, modules: [] });
  });

  it('reads the state and finds an execution at the real head, even through a client that caches the block number', async () => {
    const safe = await newSafe([alice], 1);
    const cachingClient = createPublicClient({ transport: http(anvil.url), cacheTime: 600_000 });
    await cachingClient.getBlockNumber(); // now cached for ten minutes
    const { tx } = await fundedTransfer(safe, 1n);
    const signed = await signSafeTx({ chainId, safe, tx, signers: [alice], sender: alice.address });
    const fromBlock = (await client.getBlockNumber({ cacheTime: 0 })) + 1n;
    const receipt = await sendAndConfirm({ client, account: alice, to: safe, data: encodeExecTransaction({ tx, signatures: signed.signatures }), label: 'exec' });
    expect((await readSafeState({ client: cachingClient, safe })).nonce).toBe(1n);
    expect(await findSafeExecution({ client: cachingClient, safe, safeTxHash: signed.safeTxHash, fromBlock })).toMatchObject({ txHash: receipt.transactionHash });
  });
});
