/**
 * Type checking: every name must be a known event argument, every operator must get operand types
 * it accepts, and the whole condition must be true/false. Done once when the config loads, so a
 * condition that compiles can only fail at run time on data (division by zero, overflow, an index
 * past the end of an array).
 */
import { ExpressionError, describeType, type Node, type TypedNode, type ValueType } from './ast.js';
import { resolveName, resolveList, type Scope } from './names.js';
import { checkRead } from './read-calls.js';

export type { Scope } from './names.js';

/** Checks `node` against `scope` and returns it with types attached. Throws ExpressionError. */
export function checkCondition(node: Node, scope: Scope): TypedNode {
  const typed = checkNode(node, scope);
  if (typed.valueType !== 'bool') {
    throw new ExpressionError(
      startColumn(node),
      `the condition must be true or false, but this is ${describeType(typed.valueType)}; compare it, e.g. "... > 0"`,
    );
  }
  return typed;
}

/** Checks a value expression (e.g. a price: `pool.reserve1() * 1e18 / pool.reserve0()`) that must be a number. */
export function checkNumber(node: Node, scope: Scope): TypedNode {
  const typed = checkNode(node, scope);
  if (typed.valueType !== 'bigint') {
    throw new ExpressionError(startColumn(node), `the expression must be a number, but this is ${describeType(typed.valueType)}`);
  }
  return typed;
}

/** Where an expression starts (a binary node's own column is its operator's). */
function startColumn(node: Node): number {
  return node.type === 'binary' ? startColumn(node.left) : node.column;
}

function checkNode(node: Node, scope: Scope): TypedNode {
  switch (node.type) {
    case 'literal':
      return { type: 'literal', valueType: node.valueType, value: node.value, column: node.column };
    case 'name': {
      // A contract name alone stands for its address (`pool.owner() == admin`), unless an argument has that name.
      const contract = node.path.length === 1 && !(String(node.path[0]) in scope.variables) ? scope.contracts?.[String(node.path[0])] : undefined;
      if (contract) return { type: 'literal', valueType: 'address', value: contract.address.toLowerCase(), column: node.column };
      return { type: 'name', valueType: resolveName(node.path, node.column, scope), path: node.path, column: node.column };
    }
    case 'read':
      return checkRead(node, scope.contracts);
    case 'call': {
      const argument = checkNode(node.argument, scope);
      if (argument.valueType !== 'string') {
        throw new ExpressionError(node.column, `lower() takes text, got ${describeType(argument.valueType)}`);
      }
      return { type: 'call', valueType: 'string', name: node.name, argument, column: node.column };
    }
    case 'unary': {
      const operand = checkNode(node.operand, scope);
      const wanted: ValueType = node.operator === 'not' ? 'bool' : 'bigint';
      if (operand.valueType !== wanted) {
        throw new ExpressionError(node.column, `"${node.operator}" needs ${describeType(wanted)}, got ${describeType(operand.valueType)}`);
      }
      return { type: 'unary', valueType: wanted, operator: node.operator, operand, column: node.column };
    }
    case 'binary':
      return checkBinary(node, scope);
  }
}

type BinaryNode = Extract<Node, { type: 'binary' }>;

function checkBinary(node: BinaryNode, scope: Scope): TypedNode {
  const op = node.operator;
  if (op === 'contains' || op === 'starts_with' || op === 'ends_with') return checkTextOperator(node, scope);
  const left = checkNode(node.left, scope);
  const right = checkNode(node.right, scope);
  const result = (valueType: ValueType): TypedNode => ({
    type: 'binary',
    valueType,
    operator: op,
    operandType: left.valueType,
    left,
    right,
    column: node.column,
  });
  if (op === 'and' || op === 'or') {
    requireBoth(node, left, right, 'bool');
    return result('bool');
  }
  if (op === '==' || op === '!=') {
    if (left.valueType !== right.valueType) {
      throw new ExpressionError(
        node.column,
        `cannot compare ${describeType(left.valueType)} with ${describeType(right.valueType)}${comparisonHint(left, right)}`,
      );
    }
    rejectCapitalsAgainstLower(left, right);
    return result('bool');
  }
  requireBoth(node, left, right, 'bigint');
  return result(op === '<' || op === '<=' || op === '>' || op === '>=' ? 'bool' : 'bigint');
}

/**
 * `text contains "x"`, `text starts_with "x"`, `text ends_with "x"` (ignoring case), and
 * `array contains value` (membership; the value must have the element type).
 */
function checkTextOperator(node: BinaryNode, scope: Scope): TypedNode {
  const op = node.operator;
  const list = op === 'contains' && node.left.type === 'name' ? resolveList(node.left.path, scope, node.left.column) : undefined;
  const left: TypedNode =
    list && node.left.type === 'name'
      ? { type: 'name', valueType: list, path: node.left.path, column: node.left.column, list: true }
      : checkNode(node.left, scope);
  const right = checkNode(node.right, scope);
  if (list === undefined && left.valueType !== 'string') {
    const what = op === 'contains' ? 'text or an array' : 'text';
    throw new ExpressionError(node.column, `"${op}" needs ${what} on the left, got ${describeType(left.valueType)}`);
  }
  if (right.valueType !== left.valueType) {
    const wanted = list ? `${describeType(left.valueType)} (an element of the array)` : 'text';
    throw new ExpressionError(node.column, `"${op}" needs ${wanted} on the right, got ${describeType(right.valueType)}`);
  }
  return { type: 'binary', valueType: 'bool', operator: op, operandType: left.valueType, left, right, column: node.column };
}

function requireBoth(node: BinaryNode, left: TypedNode, right: TypedNode, wanted: ValueType): void {
  const bad = left.valueType !== wanted ? ['left', left] : right.valueType !== wanted ? ['right', right] : undefined;
  if (!bad) return;
  const [side, operand] = bad as [string, TypedNode];
  throw new ExpressionError(
    node.column,
    `"${node.operator}" needs ${describeType(wanted)} on both sides, got ${describeType(operand.valueType)} on the ${side}`,
  );
}

/** `lower(name) == "Alice"` can never be true: say so instead of silently never matching. */
function rejectCapitalsAgainstLower(left: TypedNode, right: TypedNode): void {
  const [call, literal] = left.type === 'call' ? [left, right] : [right, left];
  if (call.type !== 'call' || literal.type !== 'literal' || typeof literal.value !== 'string') return;
  const text = literal.value;
  if (text === text.toLowerCase()) return;
  throw new ExpressionError(
    literal.column,
    `lower(...) is never equal to ${JSON.stringify(text)}, which has capital letters; write ${JSON.stringify(text.toLowerCase())}`,
  );
}

function comparisonHint(left: TypedNode, right: TypedNode): string {
  const types = new Set([left.valueType, right.valueType]);
  if (types.has('address') && types.has('string')) return '; write addresses without quotes: 0x followed by 40 hex digits';
  return '';
}
