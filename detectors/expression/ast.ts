/**
 * Shared vocabulary of the condition language: value types, AST nodes, and the one error type
 * every compile step throws. Columns are 1-based positions in the source string.
 */

import type { AbiFunction } from 'viem';

/** The four kinds of values a condition works with (see `abiValueType` for the ABI mapping). */
export type ValueType = 'bigint' | 'address' | 'bool' | 'string';

export type BinaryOperator =
  | 'or'
  | 'and'
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  /** Text operators (they ignore case, as in OpenZeppelin Monitor); `contains` also tests array membership. */
  | 'contains'
  | 'starts_with'
  | 'ends_with';
export type UnaryOperator = 'not' | '-';

/** Functions a condition may call; `lower(text)` lowercases text for case-insensitive equality. */
export type FunctionName = 'lower';

/** One step of a name: a field (`order.amount`) or an array index (`ids[0]`). */
export type PathPart = string | number;

/** How a path is written for people: `orders[1].amount`. */
export function formatPath(path: readonly PathPart[]): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('');
}

export type Node =
  | { type: 'literal'; valueType: ValueType; value: bigint | string | boolean; column: number; text: string }
  /** An event argument; `path` has more than one part for struct fields (`order.amount`) and array elements (`ids[0]`). */
  | { type: 'name'; path: PathPart[]; column: number }
  | { type: 'call'; name: FunctionName; argument: Node; column: number }
  /**
   * A view call on a named contract, `vault.totalAssets()` or `token.balanceOf(pool)`, optionally
   * picking one output: `feed.latestRoundData().answer`, `pool.getReserves()[1]`.
   */
  | { type: 'read'; contract: string; functionName: string; args: Node[]; select: PathPart[]; column: number }
  | { type: 'unary'; operator: UnaryOperator; operand: Node; column: number }
  /** `column` is the operator's column, so errors point at the operator. */
  | { type: 'binary'; operator: BinaryOperator; left: Node; right: Node; column: number };

/** A node after type checking: every node knows its value type (the evaluator relies on it). */
export type TypedNode =
  | { type: 'literal'; valueType: ValueType; value: bigint | string | boolean; column: number }
  /**
   * A name; with `list`, the whole array (only the left side of `contains`), and `valueType` is its
   * element type.
   */
  | { type: 'name'; valueType: ValueType; path: PathPart[]; column: number; list?: true }
  | { type: 'call'; valueType: ValueType; name: FunctionName; argument: TypedNode; column: number }
  /** A checked contract read: its value is `values[read.key]`, then `select` (output index / struct fields). */
  | { type: 'read'; valueType: ValueType; read: ReadCall; select: PathPart[]; column: number }
  | { type: 'unary'; valueType: ValueType; operator: UnaryOperator; operand: TypedNode; column: number }
  | {
      type: 'binary';
      valueType: ValueType;
      operator: BinaryOperator;
      /** Type of both operands (they always agree after checking). */
      operandType: ValueType;
      left: TypedNode;
      right: TypedNode;
      column: number;
    };

/**
 * One view call an expression needs, resolved against the contract's ABI when the config loads.
 * `key` names the call and its arguments (`token.balanceOf(0x…)`): the same call written twice in
 * one expression is read once.
 */
export interface ReadCall {
  key: string;
  contract: string;
  address: `0x${string}`;
  /** The one ABI function item called (overloads resolved by argument count and types). */
  abi: readonly [AbiFunction];
  functionName: string;
  args: (bigint | string | boolean)[];
}

/**
 * A compile-time error in a condition. `message` starts with `column N: ` so it can be shown as is
 * after a config path; `reason` is the same text without the column.
 */
export class ExpressionError extends Error {
  override name = 'ExpressionError';
  constructor(
    readonly column: number,
    readonly reason: string,
  ) {
    super(`column ${column}: ${reason}`);
  }
}

/** How a value type is named in messages for people. */
export function describeType(type: ValueType): string {
  return { bigint: 'a number', address: 'an address', bool: 'true/false', string: 'a string' }[type];
}

/** Largest uint256 and smallest int256: arithmetic results must stay within [minInt256, maxUint256]. */
export const maxUint256 = (1n << 256n) - 1n;
export const minInt256 = -(1n << 255n);
