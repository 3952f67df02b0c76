import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keccak256, toHex, type Address, type Hex } from 'viem';
import { startAnvil, type Anvil } from '../drill/processes.js';
import { deploy, emitterRuntime, pingTopic, rpc, sendTx } from '../../test/chain/evm.js';
import { bloomMayContain } from './bloom.js';

const randomAddress = (i: number): Address => keccak256(toHex(`random-${i}`)).slice(0, 42) as Address;

describe('bloomMayContain against real anvil blooms', () => {
  let anvil: Anvil;
  let bloom: Hex;
  let emitter: Address;

  beforeAll(async () => {
    anvil = await startAnvil();
    const client = rpc(anvil.url);
    emitter = await deploy(client, emitterRuntime);
    const hash = await sendTx(client, { to: emitter, data: pingTopic });
    const receipt = await client.getTransactionReceipt({ hash });
    expect(receipt.logs).toHaveLength(1);
    bloom = (await client.getBlock({ blockHash: receipt.blockHash })).logsBloom!;
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  it('finds the emitting address, in any letter case, and the topic', () => {
    expect(bloomMayContain(bloom, emitter)).toBe(true);
    expect(bloomMayContain(bloom, emitter.toLowerCase() as Hex)).toBe(true);
    expect(bloomMayContain(bloom, pingTopic)).toBe(true);
  });

  it('rules out addresses and topics that were not logged', () => {
    // One log sets at most 6 of 2048 bits: a random address matching all three is ~1e-8.
    for (let i = 0; i < 500; i++) expect(bloomMayContain(bloom, randomAddress(i))).toBe(false);
    expect(bloomMayContain(bloom, keccak256(toHex('Transfer(address,address,uint256)')))).toBe(false);
  });

  it('an empty bloom contains nothing; a full one everything', () => {
    expect(bloomMayContain(`0x${'00'.repeat(256)}`, emitter)).toBe(false);
    expect(bloomMayContain(`0x${'ff'.repeat(256)}`, randomAddress(1))).toBe(true);
  });

  it('rejects a bloom of the wrong size', () => {
    expect(() => bloomMayContain('0x00', emitter)).toThrow(/256 bytes/);
  });
});
