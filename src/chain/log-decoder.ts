/**
 * Decodes logs with a contract's ABI, giving exactly what viem's `decodeEventLog` gives (same event,
 * same argument values and key order), faster: the event is looked up once per (contract, topic0), and
 * one-word types (address, bool, bytes32, uint256, int256) are read straight from the hex — viem's
 * general decoder allocates a byte cursor per call and re-checksums every address, which dominated a
 * replay of 200k logs. Anything else (dynamic or narrower types, anonymous events, malformed logs) goes
 * through viem as before, so the fast path can only agree with it or step aside.
 */
import { decodeAbiParameters, decodeEventLog, getAddress, toEventSelector, type Abi, type AbiEvent, type AbiParameter, type Address, type Hex } from 'viem';

export interface DecodedEvent {
  eventName: string;
  /** Named arguments, or (when some input is unnamed) an array — as viem returns them. */
  args: Record<string, unknown> | unknown[] | undefined;
}

/** undefined when the ABI has no event for this log, or the log does not fit it (as viem would throw). */
export type LogDecoder = (topics: readonly Hex[], data: Hex) => DecodedEvent | undefined;

type WordReader = (word: string) => unknown;

interface Plan {
  event: AbiEvent;
  unnamed: boolean;
  /** Per indexed input, in order: its key and how to read its topic (undefined: viem). */
  indexed: { key: string | number; param: AbiParameter; read?: WordReader }[];
  data: { key: string | number; param: AbiParameter }[];
  /** One reader per data input when every one of them is a one-word type; else undefined (viem decodes). */
  dataReaders?: WordReader[];
}

const checksummed = new Map<string, Address>();
/** Checksums an address once; the cache is bounded (a replay can meet millions of accounts). */
export function cachedAddress(lowerHex40: string): Address {
  let address = checksummed.get(lowerHex40);
  if (!address) {
    if (checksummed.size >= 100_000) checksummed.clear();
    address = getAddress(`0x${lowerHex40}`);
    checksummed.set(lowerHex40, address);
  }
  return address;
}

function wordReader(type: string): WordReader | undefined {
  switch (type) {
    case 'address':
      return (word) => cachedAddress(word.slice(24).toLowerCase());
    case 'uint256':
      return (word) => BigInt(`0x${word}`);
    case 'int256':
      return (word) => BigInt.asIntN(256, BigInt(`0x${word}`));
    case 'bytes32':
      return (word) => `0x${word.toLowerCase()}`;
    case 'bool':
      return (word) => {
        if (/^0{63}[01]$/.test(word)) return word.endsWith('1');
        throw new Error('not a bool');
      };
    default:
      return undefined;
  }
}

/** Types viem returns as the topic itself (their value is hashed into it). */
const hashedInTopic = (type: string) => type === 'string' || type === 'bytes' || type === 'tuple' || /^(.*)\[(\d+)?\]$/.test(type);

function plan(event: AbiEvent): Plan {
  const unnamed = event.inputs.some((input) => !input.name);
  const keyOf = (input: AbiParameter, index: number) => (unnamed ? index : input.name || index);
  const indexed = event.inputs
    .map((param, index) => ({ param, index }))
    .filter(({ param }) => 'indexed' in param && param.indexed)
    .map(({ param, index }) => ({
      key: keyOf(param, index),
      param,
      read: hashedInTopic(param.type) ? (word: string) => `0x${word}` : wordReader(param.type),
    }));
  const data = event.inputs.map((param, index) => ({ param, index })).filter(({ param }) => !('indexed' in param && param.indexed));
  const readers = data.map(({ param }) => wordReader(param.type));
  return {
    event,
    unnamed,
    indexed,
    data: data.map(({ param, index }) => ({ key: keyOf(param, index), param })),
    dataReaders: readers.every((r) => r) ? (readers as WordReader[]) : undefined,
  };
}

function decodeWithPlan(p: Plan, topics: readonly Hex[], data: Hex): DecodedEvent {
  const args: Record<string | number, unknown> | unknown[] = p.unnamed ? [] : {};
  const put = (key: string | number, value: unknown) => ((args as Record<string | number, unknown>)[key] = value);
  p.indexed.forEach((input, i) => {
    const topic = topics[i + 1];
    if (!topic) throw new Error('missing topic');
    put(input.key, input.read ? input.read(topic.slice(2)) : decodeAbiParameters([input.param], topic)[0]);
  });
  if (p.data.length > 0) {
    if (p.dataReaders) {
      if (data.length < 2 + 64 * p.data.length) throw new Error('data too short');
      p.data.forEach((input, i) => put(input.key, p.dataReaders![i]!(data.slice(2 + 64 * i, 66 + 64 * i))));
    } else {
      if (data === '0x') throw new Error('no data');
      const values = decodeAbiParameters(p.data.map((d) => d.param), data) as unknown[];
      p.data.forEach((input, i) => put(input.key, values[i]));
    }
  }
  return { eventName: p.event.name, args: Object.values(args).length > 0 ? args : undefined };
}

/** A decoder for one contract's ABI. */
export function createLogDecoder(abi: Abi): LogDecoder {
  const bySelector = new Map<string, Plan>();
  for (const item of abi) {
    if (item.type !== 'event' || item.anonymous) continue;
    const selector = toEventSelector(item).toLowerCase();
    if (!bySelector.has(selector)) bySelector.set(selector, plan(item));
  }
  const viaViem = (topics: readonly Hex[], data: Hex): DecodedEvent | undefined => {
    try {
      const decoded = decodeEventLog({ abi, topics: topics as [Hex, ...Hex[]], data });
      return { eventName: String(decoded.eventName), args: decoded.args as DecodedEvent['args'] };
    } catch {
      return undefined;
    }
  };
  return (topics, data) => {
    const p = topics[0] ? bySelector.get(topics[0].toLowerCase()) : undefined;
    if (!p) return viaViem(topics, data);
    try {
      return decodeWithPlan(p, topics, data);
    } catch {
      return viaViem(topics, data); // let viem decide (it throws for the same logs: then undefined)
    }
  };
}
