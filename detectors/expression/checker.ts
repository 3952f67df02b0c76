/**
 * Type checking: every name must be a known event argument, every operator must get operand types
 * it accepts, and the whole condition must be true/false. Done once when the config loads, so a
 * condition that compiles can only fail at run time on data (division by zero, overflow).
 */
import { ExpressionError, describeType, type Node, type TypedNode, type ValueType } from './ast.js';

export interface Scope {
  /** Names (dotted for struct fields: `order.amount`) and their value types. */
  variables: Record<string, ValueType>;
  /** Names that exist but cannot be used, with the reason (e.g. `ids` is a uint256[]). */
  unsupported?: Record<string, string>;
  /** What the names belong to, for messages: `unknown name "amout"; Withdraw has: user, amount`. */
  scopeName?: string;
}

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

/** Where an expression starts (a binary node's own column is its operator's). */
function startColumn(node: Node): number {
  return node.type === 'binary' ? startColumn(node.left) : node.column;
}

function checkNode(node: Node, scope: Scope): TypedNode {
  switch (node.type) {
    case 'literal':
      return { type: 'literal', valueType: node.valueType, value: node.value, column: node.column };
    case 'name':
      return { type: 'name', valueType: resolveName(node.path, node.column, scope), path: node.path, column: node.column };
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

function checkBinary(node: Extract<Node, { type: 'binary' }>, scope: Scope): TypedNode {
  const left = checkNode(node.left, scope);
  const right = checkNode(node.right, scope);
  const op = node.operator;
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
    return result('bool');
  }
  requireBoth(node, left, right, 'bigint');
  return result(op === '<' || op === '<=' || op === '>' || op === '>=' ? 'bool' : 'bigint');
}

function requireBoth(node: Extract<Node, { type: 'binary' }>, left: TypedNode, right: TypedNode, wanted: ValueType): void {
  const bad = left.valueType !== wanted ? ['left', left] : right.valueType !== wanted ? ['right', right] : undefined;
  if (!bad) return;
  const [side, operand] = bad as [string, TypedNode];
  throw new ExpressionError(
    node.column,
    `"${node.operator}" needs ${describeType(wanted)} on both sides, got ${describeType(operand.valueType)} on the ${side}`,
  );
}

function comparisonHint(left: TypedNode, right: TypedNode): string {
  const types = new Set([left.valueType, right.valueType]);
  if (types.has('address') && types.has('string')) return '; write addresses without quotes: 0x followed by 40 hex digits';
  return '';
}

function resolveName(path: string[], column: number, scope: Scope): ValueType {
  const name = path.join('.');
  const type = scope.variables[name];
  if (type) return type;
  const reason = scope.unsupported?.[name];
  if (reason) throw new ExpressionError(column, `"${name}" cannot be used in a condition: ${reason}`);
  const fields = Object.keys(scope.variables).filter((known) => known.startsWith(`${name}.`));
  if (fields.length > 0) {
    throw new ExpressionError(column, `"${name}" is a struct; use one of its fields: ${fields.join(', ')}`);
  }
  const names = topLevelNames(scope);
  const owner = scope.scopeName ? `${scope.scopeName} has` : 'known names are';
  throw new ExpressionError(column, `unknown name "${name}"; ${names.length > 0 ? `${owner}: ${names.join(', ')}` : `${owner} no usable arguments`}`);
}

/** `order.amount` and `order.to` are listed once, as `order`, to keep the message short. */
function topLevelNames(scope: Scope): string[] {
  const all = [...Object.keys(scope.variables), ...Object.keys(scope.unsupported ?? {})];
  return [...new Set(all.map((name) => name.split('.')[0]!))];
}
