/**
 * The condition language of the `event` detector, e.g.
 *
 *   amount >= 50_000e18 and (to != 0x000000000000000000000000000000000000dEaD or fee * 100 > amount)
 *   memo contains "exploit" AND ids[0] > 5 OR holders contains 0x000000000000000000000000000000000000dEaD
 *
 * It also reads OpenZeppelin Monitor's operators with their meaning there: `AND` / `OR` in any case,
 * `contains` / `starts_with` / `ends_with` on text (ignoring case), `contains` on arrays (membership),
 * `.field` and `[i]` access. `==` on text stays exact; `lower(text) == "abc"` compares ignoring case.
 *
 * Invariant and oracle expressions also read contracts: `vault.totalAssets() >= vault.totalSupply() * 99 / 100`,
 * `token.balanceOf(pool) >= pool.reserve0()`, `feed.latestRoundData().answer` (see read-calls.ts); the
 * compiled expression lists its `reads`, and `evaluate` takes their decoded results by read key.
 *
 * Compiled once when the config loads (lexer → parser → type checker); evaluated per log with exact
 * bigint arithmetic. No `eval`, no `Function`: the AST is interpreted.
 *
 * @example
 * const condition = compileCondition({ source: 'amount > units("1000", 6)', variables: { amount: 'bigint' } });
 * condition.evaluate({ amount: 2_000_000_000n }); // { ok: true, value: true }
 */
import { ExpressionError, type Node, type ReadCall, type TypedNode } from './ast.js';
import { checkCondition, checkNumber, type Scope } from './checker.js';
import { evaluateCondition, evaluateNumber, type EvaluationResult, type NumberResult } from './evaluate.js';
import { collectReads } from './read-calls.js';
import { parseCondition } from './parser.js';

export { ExpressionError, formatPath, type PathPart, type ReadCall, type ValueType } from './ast.js';
export type { EvaluationResult, NumberResult } from './evaluate.js';
export type { ReadableContract } from './read-calls.js';
export type { Scope } from './checker.js';
export { scopeFromAbiInputs } from './abi-scope.js';

export interface CompileConditionParameters extends Scope {
  source: string;
}

export interface CompiledCondition {
  source: string;
  /** Never throws. `{ ok: false }` on a data error (division by zero, overflow, missing argument): treat as no match. */
  evaluate(values: Record<string, unknown>): EvaluationResult;
  /** The contract reads it needs (`vault.totalAssets()`), each once; their results go into `values` by `key`. */
  reads: ReadCall[];
}

export interface CompiledNumber {
  source: string;
  /** Never throws; `{ ok: false }` on a data error or a missing read result. */
  evaluate(values: Record<string, unknown>): NumberResult;
  reads: ReadCall[];
}

export type CompileConditionErrorType = ExpressionError;

/**
 * Parses and type-checks `source` against the given variables.
 * Throws ExpressionError (with a 1-based `column`), and nothing else.
 */
export function compileCondition(params: CompileConditionParameters): CompiledCondition {
  const checked = compile(params, checkCondition);
  return { source: params.source, evaluate: (values) => evaluateCondition(checked, values), reads: collectReads(checked) };
}

/**
 * Parses and type-checks a number expression, e.g. `pool.reserve1() * 1e18 / pool.reserve0()`.
 * Throws ExpressionError, and nothing else.
 */
export function compileNumber(params: CompileConditionParameters): CompiledNumber {
  const checked = compile(params, checkNumber);
  return { source: params.source, evaluate: (values) => evaluateNumber(checked, values), reads: collectReads(checked) };
}

function compile(params: CompileConditionParameters, check: (node: Node, scope: Scope) => TypedNode): TypedNode {
  try {
    return check(parseCondition(params.source), params);
  } catch (error) {
    if (error instanceof ExpressionError) throw error;
    // Defensive: keep the promise that only ExpressionError escapes.
    throw new ExpressionError(1, `cannot compile expression: ${error instanceof Error ? error.message : String(error)}`);
  }
}
