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
 * Compiled once when the config loads (lexer → parser → type checker); evaluated per log with exact
 * bigint arithmetic. No `eval`, no `Function`: the AST is interpreted.
 *
 * @example
 * const condition = compileCondition({ source: 'amount > units("1000", 6)', variables: { amount: 'bigint' } });
 * condition.evaluate({ amount: 2_000_000_000n }); // { ok: true, value: true }
 */
import { ExpressionError, type TypedNode } from './ast.js';
import { checkCondition, type Scope } from './checker.js';
import { evaluateCondition, type EvaluationResult } from './evaluate.js';
import { parseCondition } from './parser.js';

export { ExpressionError, formatPath, type PathPart, type ValueType } from './ast.js';
export type { EvaluationResult } from './evaluate.js';
export type { Scope } from './checker.js';
export { scopeFromAbiInputs } from './abi-scope.js';

export interface CompileConditionParameters extends Scope {
  source: string;
}

export interface CompiledCondition {
  source: string;
  /** Never throws. `{ ok: false }` on a data error (division by zero, overflow, missing argument): treat as no match. */
  evaluate(values: Record<string, unknown>): EvaluationResult;
}

export type CompileConditionErrorType = ExpressionError;

/**
 * Parses and type-checks `source` against the given variables.
 * Throws ExpressionError (with a 1-based `column`), and nothing else.
 */
export function compileCondition(params: CompileConditionParameters): CompiledCondition {
  let checked: TypedNode;
  try {
    checked = checkCondition(parseCondition(params.source), params);
  } catch (error) {
    if (error instanceof ExpressionError) throw error;
    // Defensive: keep the promise that only ExpressionError escapes.
    throw new ExpressionError(1, `cannot compile condition: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { source: params.source, evaluate: (values) => evaluateCondition(checked, values) };
}
