/**
 * Header and quantity checks on real anvil answers: a real block parses; the same block with one field
 * broken the ways the fault proxy breaks them (huge number, missing field, wrong type) is refused with
 * a MalformedAnswerError, never turned into a header warden would act on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBlock, type RpcBlock } from 'viem';
import { startAnvil, type Anvil } from '../../src/drill/processes.js';
import { toHeader } from '../../src/chain/block-header.js';
import { MalformedAnswerError, parseQuantity } from '../../src/chain/rpc-values.js';
import { mine, rpc } from './evm.js';

let anvil: Anvil;
let raw: RpcBlock;

beforeAll(async () => {
  anvil = await startAnvil();
  await mine(rpc(anvil.url), 3);
  raw = (await rpc(anvil.url).request({ method: 'eth_getBlockByNumber', params: ['latest', false] })) as RpcBlock;
});
afterAll(async () => {
  await anvil?.stop();
});

/** The latest block as viem formats it, with `change` applied to the raw answer first. */
const formatted = (change: (block: Record<string, unknown>) => void = () => {}) => {
  const copy = structuredClone(raw) as unknown as Record<string, unknown>;
  change(copy);
  return formatBlock(copy as never);
};

describe('toHeader', () => {
  it('parses a real block', () => {
    const header = toHeader(formatted());
    expect(header).toMatchObject({ number: Number(raw.number), hash: raw.hash, parentHash: raw.parentHash, logsBloom: raw.logsBloom });
    expect(header.baseFeePerGas).toBe(BigInt(raw.baseFeePerGas!));
  });

  it.each([
    ['an 80-digit block number', (b: Record<string, unknown>) => (b.number = `0x${'f'.repeat(80)}`)],
    ['a block number of 2^53', (b: Record<string, unknown>) => (b.number = `0x${(2 ** 53).toString(16)}`)],
    ['a missing parentHash', (b: Record<string, unknown>) => delete b.parentHash],
    ['a missing timestamp', (b: Record<string, unknown>) => delete b.timestamp],
    ['a missing hash', (b: Record<string, unknown>) => delete b.hash],
    ['a parentHash that is an object', (b: Record<string, unknown>) => (b.parentHash = { unexpected: true })],
    ['a short logsBloom', (b: Record<string, unknown>) => (b.logsBloom = '0x00')],
    ['a hash of 31 bytes', (b: Record<string, unknown>) => (b.hash = (b.hash as string).slice(0, -2))],
  ])('refuses %s', (_name, change) => {
    expect(() => toHeader(formatted(change))).toThrow(MalformedAnswerError);
  });
});

describe('parseQuantity', () => {
  it('reads a hex quantity and refuses a JSON number, a decimal string and a value past 2^53', () => {
    expect(parseQuantity('0x2a', 'nonce')).toBe(42);
    expect(parseQuantity('0x0', 'nonce')).toBe(0);
    expect(() => parseQuantity(42, 'nonce')).toThrow(MalformedAnswerError);
    expect(() => parseQuantity('42', 'nonce')).toThrow(MalformedAnswerError);
    expect(() => parseQuantity('0x', 'nonce')).toThrow(MalformedAnswerError);
    expect(() => parseQuantity(`0x${'f'.repeat(80)}`, 'nonce')).toThrow(MalformedAnswerError);
    expect(() => parseQuantity({ unexpected: true }, 'nonce')).toThrow(/nonce: not a hex quantity/);
  });
});
