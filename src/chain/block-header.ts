/**
 * A block header from an RPC answer (a viem block, or a formatted newHeads payload), checked before
 * warden acts on it:
 *
 * - `toHeader`: every field warden uses parses — number and timestamp are whole numbers below 2^53,
 *   hash and parentHash 32 bytes, logsBloom 256 bytes, baseFeePerGas a quantity — or the answer is a
 *   MalformedAnswerError (retried like an RPC error). An 80-digit block number is refused here, so it
 *   can never become the best head.
 * - `recomputedBlockHash`: keccak256 of the RLP of the header fields, as Ethereum defines a block hash
 *   (fields up to Prague). When it equals the `hash` the node gave, the header is the node's real
 *   block: nothing in it (number, parentHash, bloom) was swapped or made up on the way. Chains whose
 *   headers carry other fields give another value (undefined when a field is missing): the caller then
 *   confirms the header by another read (block-fetcher.ts).
 */
import { keccak256, toRlp, type Block, type Hex } from 'viem';
import type { BlockHeader } from '../../detectors/types.js';
import { fixedHex, MalformedAnswerError, safeInteger } from './rpc-values.js';

export type HeaderFields = Pick<Block, 'number' | 'hash' | 'parentHash' | 'timestamp' | 'logsBloom' | 'baseFeePerGas'>;

/**
 * The header fields warden uses, each checked.
 * @throws MalformedAnswerError when a field is missing or does not parse (a pending block has no number or hash).
 */
export function toHeader(block: HeaderFields): BlockHeader {
  if (block === null || typeof block !== 'object') throw new MalformedAnswerError('block: not an object');
  const header: BlockHeader = {
    number: safeInteger(block.number, 'block number'),
    hash: fixedHex(block.hash, 32, 'block hash'),
    parentHash: fixedHex(block.parentHash, 32, 'block parentHash'),
    timestamp: safeInteger(block.timestamp, 'block timestamp'),
    logsBloom: fixedHex(block.logsBloom, 256, 'block logsBloom'),
  };
  const baseFee = block.baseFeePerGas;
  if (baseFee !== null && baseFee !== undefined) {
    if (typeof baseFee !== 'bigint' || baseFee < 0n || baseFee >= 2n ** 256n) throw new MalformedAnswerError('block baseFeePerGas: not a quantity');
    header.baseFeePerGas = baseFee;
  }
  return header;
}
/** Header fields in RLP order: the pre-London ones, then each later fork's, present in order. */
const baseFields = ['parentHash', 'sha3Uncles', 'miner', 'stateRoot', 'transactionsRoot', 'receiptsRoot', 'logsBloom', 'difficulty', 'number', 'gasLimit', 'gasUsed', 'timestamp', 'extraData', 'mixHash', 'nonce'] as const;
const laterFields = ['baseFeePerGas', 'withdrawalsRoot', 'blobGasUsed', 'excessBlobGas', 'parentBeaconBlockRoot', 'requestsHash'] as const;
const integerFields = new Set<string>(['difficulty', 'number', 'gasLimit', 'gasUsed', 'timestamp', 'baseFeePerGas', 'blobGasUsed', 'excessBlobGas']);

/** An integer field as RLP wants it: minimal big-endian bytes (zero is empty). */
function integerBytes(value: unknown): Hex | undefined {
  const big = typeof value === 'bigint' ? value : typeof value === 'string' && /^0x[0-9a-f]+$/i.test(value) ? BigInt(value) : undefined;
  if (big === undefined || big < 0n) return undefined;
  if (big === 0n) return '0x';
  const digits = big.toString(16);
  return `0x${digits.length % 2 ? '0' : ''}${digits}`;
}

function fieldBytes(name: string, value: unknown): Hex | undefined {
  if (integerFields.has(name)) return integerBytes(value);
  return typeof value === 'string' && /^0x([0-9a-f]{2})*$/i.test(value) ? (value as Hex) : undefined;
}

/**
 * The block hash its header fields give (keccak256 of their RLP), or undefined when a field it needs is
 * missing or malformed. Fork fields are taken while present, in order (a header without withdrawalsRoot
 * ends after baseFeePerGas).
 */
export function recomputedBlockHash(block: object): Hex | undefined {
  const fields = block as Record<string, unknown>;
  const items: Hex[] = [];
  for (const name of baseFields) {
    const bytes = fieldBytes(name, fields[name]);
    if (bytes === undefined) return undefined;
    items.push(bytes);
  }
  for (const name of laterFields) {
    if (fields[name] === undefined || fields[name] === null) break;
    const bytes = fieldBytes(name, fields[name]);
    if (bytes === undefined) return undefined;
    items.push(bytes);
  }
  return keccak256(toRlp(items));
}
