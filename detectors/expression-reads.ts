/**
 * The glue between expressions that read contracts (`vault.totalAssets()`) and the block
 * processor: compile against the config's contracts, declare the reads (the processor batches them
 * into its one multicall), and gather their results back by read key.
 */
import type { ResolvedContract } from '../src/config/contracts.js';
import { ConfigError } from '../src/config/errors.js';
import { compileCondition, compileNumber, ExpressionError, type CompiledCondition, type CompiledNumber, type ReadableContract, type ReadCall } from './expression/index.js';
import type { ReadResult, StateRead } from './types.js';

export type ReadValues = { ok: true; values: Record<string, unknown> } | { ok: false; failed: { key: string; error: string }[] };

/** Compiles a condition or number expression that may read any config contract; a compile error becomes a ConfigError at `path`. */
export function compileReadingExpression(params: {
  source: string;
  path: string;
  contracts: Map<string, ResolvedContract>;
  type: 'condition';
}): CompiledCondition;
export function compileReadingExpression(params: { source: string; path: string; contracts: Map<string, ResolvedContract>; type: 'number' }): CompiledNumber;
export function compileReadingExpression(params: {
  source: string;
  path: string;
  contracts: Map<string, ResolvedContract>;
  type: 'condition' | 'number';
}): CompiledCondition | CompiledNumber {
  const scope = { variables: {}, contracts: readableContracts(params.contracts) };
  try {
    return params.type === 'condition' ? compileCondition({ ...scope, source: params.source }) : compileNumber({ ...scope, source: params.source });
  } catch (error) {
    if (error instanceof ExpressionError) throw new ConfigError([{ path: params.path, message: error.message }]);
    throw error;
  }
}

function readableContracts(contracts: Map<string, ResolvedContract>): Record<string, ReadableContract> {
  return Object.fromEntries([...contracts].map(([name, contract]) => [name, { address: contract.address, abi: contract.abi }]));
}

/**
 * The one chain all reads are on (a detector runs in one chain's processor). Throws ConfigError at
 * `path` when the expression reads nothing or reads contracts on several chains.
 */
export function chainOfReads(reads: readonly ReadCall[], contracts: Map<string, ResolvedContract>, path: string): number {
  const used = [...new Set(reads.map((read) => read.contract))].map((name) => contracts.get(name)!);
  if (used.length === 0) {
    throw new ConfigError([{ path, message: 'the expression reads no contract; read one as contract.function(), e.g. vault.totalAssets()' }]);
  }
  const chains = new Set(used.map((contract) => contract.chainId));
  if (chains.size > 1) {
    throw new ConfigError([
      {
        path,
        message: `the expression reads contracts on different chains (${used.map((c) => `${c.name}: ${c.chainId}`).join(', ')}); a detector watches one chain`,
      },
    ]);
  }
  return used[0]!.chainId;
}

/** The StateReads of compiled reads (read key = state read key). */
export function stateReads(reads: readonly ReadCall[]): StateRead[] {
  return reads.map((read) => ({ key: read.key, type: 'call', address: read.address, abi: read.abi, functionName: read.functionName, args: read.args }));
}

/** All results by read key, or the reads that failed (missing data, never an alarm by itself). */
export function readValues(results: Map<string, ReadResult>, reads: readonly ReadCall[]): ReadValues {
  const values: Record<string, unknown> = {};
  const failed: { key: string; error: string }[] = [];
  for (const read of reads) {
    const result = results.get(read.key);
    if (!result) failed.push({ key: read.key, error: 'no result' });
    else if (!result.ok) failed.push({ key: read.key, error: result.error });
    else values[read.key] = result.value;
  }
  return failed.length > 0 ? { ok: false, failed } : { ok: true, values };
}
