/**
 * A block header from an RPC answer (a viem block, or a formatted newHeads payload), checked before
 * warden acts on it: every field warden uses parses — number and timestamp are whole numbers below
 * 2^53, hash and parentHash 32 bytes, logsBloom 256 bytes, baseFeePerGas a quantity — or the answer is
 * a MalformedAnswerError (retried like an RPC error). An 80-digit block number is refused here, so it
 * can never become the best head.
 */
import type { Block } from 'viem';
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
