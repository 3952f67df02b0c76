/**
 * Evaluates a type-checked condition over decoded event arguments. Arithmetic is exact bigint;
 * every intermediate result must stay within int256..uint256 (so `a - b` may go negative, but
 * nothing silently wraps). `and`/`or` short-circuit, so `b != 0 and a / b > 2` is safe.
 *
 * Never throws: data problems (division by zero, overflow, a missing or mistyped argument) come
 * back as `{ ok: false, error }` naming the column, and the condition counts as not matched.
 */
import { formatPath, maxUint256, minInt256, type PathPart, type TypedNode, type ValueType } from './ast.js';

export type EvaluationResult = { ok: true; value: boolean } | { ok: false; error: string };
export type NumberResult = { ok: true; value: bigint } | { ok: false; error: string };

class EvaluationError extends Error {
  constructor(column: number, reason: string) {
    super(`column ${column}: ${reason}`);
  }
}

/** Evaluates a checked boolean condition. `values` are keyed by top-level argument name. */
export function evaluateCondition(node: TypedNode, values: Record<string, unknown>): EvaluationResult {
  return evaluateSafely(node, values) as EvaluationResult;
}

/** Evaluates a checked number expression (reads' decoded results are in `values`, by read key). */
export function evaluateNumber(node: TypedNode, values: Record<string, unknown>): NumberResult {
  return evaluateSafely(node, values) as NumberResult;
}

function evaluateSafely(node: TypedNode, values: Record<string, unknown>): { ok: true; value: Value } | { ok: false; error: string } {
  try {
    return { ok: true, value: evaluate(node, values) };
  } catch (error) {
    if (error instanceof EvaluationError) return { ok: false, error: error.message };
    // Defensive: nothing above should throw anything else, but a detector must never crash on data.
    return { ok: false, error: `internal evaluation error: ${error instanceof Error ? error.message : String(error)}` };
  }
}

type Value = bigint | string | boolean;
/** The whole array on the left of `contains`, its elements already checked against the element type. */
type Evaluated = Value | Value[];

function evaluate(node: TypedNode, values: Record<string, unknown>): Value {
  switch (node.type) {
    case 'literal':
      return node.value;
    case 'name':
      return readVariable(node.path, node.valueType, node.column, values);
    case 'call':
      return (evaluate(node.argument, values) as string).toLowerCase();
    case 'read':
      return readResult(node, values);
    case 'unary': {
      const operand = evaluate(node.operand, values);
      return node.operator === 'not' ? !(operand as boolean) : inRange(-(operand as bigint), node.column);
    }
    case 'binary':
      return evaluateBinary(node, values);
  }
}

function evaluateBinary(node: Extract<TypedNode, { type: 'binary' }>, values: Record<string, unknown>): Value {
  if (node.operator === 'contains' && node.left.type === 'name' && node.left.list) {
    return contains(readList(node.left, values), evaluate(node.right, values), node.operandType);
  }
  const left = evaluate(node.left, values);
  if (node.operator === 'and') return (left as boolean) && (evaluate(node.right, values) as boolean);
  if (node.operator === 'or') return (left as boolean) || (evaluate(node.right, values) as boolean);
  const right = evaluate(node.right, values);
  switch (node.operator) {
    case 'contains':
      return contains(left, right, node.operandType);
    case 'starts_with':
      return (left as string).toLowerCase().startsWith((right as string).toLowerCase());
    case 'ends_with':
      return (left as string).toLowerCase().endsWith((right as string).toLowerCase());
    case '==':
      return equal(left, right, node.operandType);
    case '!=':
      return !equal(left, right, node.operandType);
  }
  const a = left as bigint;
  const b = right as bigint;
  switch (node.operator) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '+':
      return inRange(a + b, node.column);
    case '-':
      return inRange(a - b, node.column);
    case '*':
      return inRange(a * b, node.column);
    case '/':
      // bigint division truncates toward zero, like Solidity.
      if (b === 0n) throw new EvaluationError(node.column, 'division by zero');
      return inRange(a / b, node.column);
    case '%':
      if (b === 0n) throw new EvaluationError(node.column, 'modulo by zero');
      return a % b;
  }
}

/** Text contains text (ignoring case), or an array holds an element equal to `right` (text ignoring case). */
function contains(left: Evaluated, right: Value, type: ValueType): boolean {
  if (!Array.isArray(left)) return (left as string).toLowerCase().includes((right as string).toLowerCase());
  if (type === 'string') return left.some((element) => (element as string).toLowerCase() === (right as string).toLowerCase());
  return left.some((element) => equal(element, right, type));
}

function equal(left: Value, right: Value, type: ValueType): boolean {
  // Addresses are compared case-insensitively: checksummed and lowercase spellings are the same address.
  if (type === 'address') return (left as string).toLowerCase() === (right as string).toLowerCase();
  return left === right;
}

function inRange(value: bigint, column: number): bigint {
  if (value > maxUint256 || value < minInt256) {
    throw new EvaluationError(column, `result ${value < 0n ? 'below int256' : 'above uint256'} range`);
  }
  return value;
}

/** Reads `values[a][b]...` (indexes into arrays) and checks it has the type the checker promised. */
function readVariable(path: PathPart[], type: ValueType, column: number, values: Record<string, unknown>): Value {
  const raw = readPath(path, column, values);
  const value = coerce(raw, type);
  if (value === undefined) throw notOfType(path, type, column, raw);
  return value;
}

/** The whole array a `list` name refers to, every element checked against the element type. */
function readList(node: Extract<TypedNode, { type: 'name' }>, values: Record<string, unknown>): Value[] {
  const raw = readPath(node.path, node.column, values);
  if (!Array.isArray(raw)) throw new EvaluationError(node.column, `"${formatPath(node.path)}" is not an array (got ${typeof raw})`);
  return raw.map((element, index) => {
    const value = coerce(element, node.valueType);
    if (value === undefined) throw notOfType([...node.path, index], node.valueType, node.column, element);
    return value;
  });
}

/** A read's decoded result (viem: one output as is, several as an array, structs as objects), then the picked output. */
function readResult(node: Extract<TypedNode, { type: 'read' }>, values: Record<string, unknown>): Value {
  if (!Object.hasOwn(values, node.read.key)) throw new EvaluationError(node.column, `no result for ${node.read.key}`);
  let current: unknown = values[node.read.key];
  for (const part of node.select) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) {
      throw new EvaluationError(node.column, `${node.read.key} returned no output ${String(part)}`);
    }
    current = (current as Record<string | number, unknown>)[part];
  }
  const value = coerce(current, node.valueType);
  if (value === undefined) throw new EvaluationError(node.column, `${node.read.key} did not return ${describeValueType(node.valueType)} (got ${typeof current})`);
  return value;
}

function describeValueType(type: ValueType): string {
  return type === 'bigint' ? 'an integer' : `a ${type}`;
}

function readPath(path: PathPart[], column: number, values: Record<string, unknown>): unknown {
  let current: unknown = values;
  path.forEach((part, depth) => {
    if (typeof part === 'number') {
      if (!Array.isArray(current)) throw new EvaluationError(column, `"${formatPath(path.slice(0, depth))}" is not an array in the event`);
      if (part >= current.length) {
        throw new EvaluationError(column, `"${formatPath(path.slice(0, depth + 1))}" is out of range (the array has ${current.length} elements)`);
      }
      current = current[part];
      return;
    }
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) {
      throw new EvaluationError(column, `"${formatPath(path)}" is missing from the event`);
    }
    current = (current as Record<string, unknown>)[part];
  });
  return current;
}

function notOfType(path: PathPart[], type: ValueType, column: number, raw: unknown): EvaluationError {
  return new EvaluationError(column, `"${formatPath(path)}" is not ${type === 'bigint' ? 'an integer' : `a ${type}`} (got ${typeof raw})`);
}

function coerce(value: unknown, type: ValueType): Value | undefined {
  switch (type) {
    case 'bigint':
      if (typeof value === 'bigint') return value;
      if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
      return undefined;
    case 'bool':
      return typeof value === 'boolean' ? value : undefined;
    case 'address':
      return typeof value === 'string' && /^0x[0-9a-fA-F]{40}$/.test(value) ? value : undefined;
    case 'string':
      return typeof value === 'string' ? value : undefined;
  }
}
