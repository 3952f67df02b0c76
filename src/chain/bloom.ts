/**
 * Ethereum log blooms (yellow paper §4.3.1): a 2048-bit filter per block in which every log
 * sets three bits for its address and three for each topic. Used to skip `eth_getLogs` on blocks
 * that cannot contain a watched contract's logs. A bloom gives false positives, never false negatives.
 */
import { hexToBytes, keccak256, type Hex } from 'viem';

/**
 * Whether `logsBloom` may contain `value` — a 20-byte address or a 32-byte topic (e.g. an event selector).
 * `false` is certain (no log of that address/topic in the block); `true` may be a false positive.
 *
 * @example bloomMayContain(block.logsBloom, '0xcA11bde05977b3631167028862bE2a173976CA11')
 */
export function bloomMayContain(logsBloom: Hex, value: Hex): boolean {
  const bloom = hexToBytes(logsBloom);
  if (bloom.length !== 256) throw new Error(`logsBloom must be 256 bytes, got ${bloom.length}`);
  const hash = hexToBytes(keccak256(value.toLowerCase() as Hex));
  for (let i = 0; i < 6; i += 2) {
    // The low 11 bits of each of the first three byte pairs index a bit, counted from the end.
    const bitIndex = ((hash[i]! << 8) | hash[i + 1]!) & 2047;
    const byte = bloom[255 - (bitIndex >> 3)]!;
    if ((byte & (1 << (bitIndex & 7))) === 0) return false;
  }
  return true;
}

