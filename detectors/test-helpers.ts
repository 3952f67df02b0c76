/**
 * Builders for detector unit tests: block headers on named branches, logs encoded exactly as a
 * node would return them (topics + data), decoded the way the block processor decodes them.
 */
import {
  decodeEventLog,
  encodeAbiParameters,
  encodeEventTopics,
  keccak256,
  parseAbiItem,
  toHex,
  type AbiEvent,
  type Address,
  type Hex,
} from 'viem';
import type { ResolvedContract } from '../src/config/contracts.js';
import type { BlockContext, BlockHeader, DecodedLog, ReadResult } from './types.js';

/** mulberry32: a tiny seedable generator for fuzz tests, so a failure reproduces from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A deterministic block hash per (branch, number): branch "b" is a reorg of branch "a". */
export function blockHash(number: number, branch = 'a'): Hex {
  return keccak256(toHex(`block-${branch}-${number}`));
}

export function header(number: number, branch = 'a', parentBranch = branch): BlockHeader {
  return {
    number,
    hash: blockHash(number, branch),
    parentHash: blockHash(number - 1, parentBranch),
    timestamp: 1_700_000_000 + number * 12,
    logsBloom: `0x${'0'.repeat(512)}`,
  };
}

export function context(params: {
  number: number;
  branch?: string;
  parentBranch?: string;
  logs?: DecodedLog[];
  reads?: Record<string, ReadResult>;
}): BlockContext {
  return {
    chainId: 31337,
    chainName: 'local',
    block: header(params.number, params.branch, params.parentBranch),
    logs: params.logs ?? [],
    reads: new Map(Object.entries(params.reads ?? {})),
    observedAt: { wallMs: 1_700_000_000_000, monoNs: '1', runId: 'test' },
  };
}

export function txHash(seed: string | number): Hex {
  return keccak256(toHex(`tx-${seed}`));
}

/**
 * A log of `contract` for `signature` with `args`, as the block processor hands it over:
 * decoded with the contract's own ABI when that ABI has the event (`eventName` undefined otherwise).
 */
export function encodedLog(params: {
  contract: Pick<ResolvedContract, 'name' | 'address' | 'abi'>;
  signature: string;
  args: Record<string, unknown>;
  logIndex?: number;
  tx?: Hex;
  blockNumber?: number;
}): DecodedLog {
  const event = parseAbiItem(params.signature) as AbiEvent;
  const topics = encodeEventTopics({ abi: [event], eventName: event.name, args: params.args as never }) as Hex[];
  const dataInputs = event.inputs.filter((input) => !input.indexed);
  const data = encodeAbiParameters(
    dataInputs,
    dataInputs.map((input) => params.args[input.name!]),
  );
  const blockNumber = params.blockNumber ?? 1;
  const log: DecodedLog = {
    address: params.contract.address,
    contract: params.contract.name,
    args: {},
    topics,
    data,
    logIndex: params.logIndex ?? 0,
    transactionHash: params.tx ?? txHash(params.logIndex ?? 0),
    blockNumber,
    blockHash: blockHash(blockNumber),
  };
  try {
    const decoded = decodeEventLog({ abi: params.contract.abi, topics: topics as [Hex, ...Hex[]], data });
    return { ...log, eventName: decoded.eventName, args: decoded.args as unknown as Record<string, unknown> };
  } catch {
    return log;
  }
}

export const addresses = {
  vault: '0x1111111111111111111111111111111111111111' as Address,
  token: '0x2222222222222222222222222222222222222222' as Address,
  proxy: '0x3333333333333333333333333333333333333333' as Address,
  alice: '0xa11Ce00000000000000000000000000000000a11' as Address,
  attacker: '0xBAd0000000000000000000000000000000000Bad' as Address,
  guardian: '0x9999999999999999999999999999999999999999' as Address,
};
