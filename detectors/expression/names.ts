/**
 * What names a condition may use, and how a written name (`order.amount`, `ids[0]`,
 * `orders[1].to`) resolves to a value type — with messages that say what the name is and how to
 * use it when it cannot be used as written.
 */
import type { ReadableContract } from './read-calls.js';
import { ExpressionError, describeType, formatPath, type PathPart, type ValueType } from './ast.js';

export interface Scope {
  /** Names (dotted for struct fields: `order.amount`) and their value types. */
  variables: Record<string, ValueType>;
  /**
   * Array elements, keyed with `[]` for each index: `ids[]`, `orders[].amount`, `grid[][]`.
   * Conditions index them (`ids[0]`, `orders[1].amount`) or test membership (`ids contains 5`).
   */
  elements?: Record<string, ValueType>;
  /** Names that exist but cannot be used, with the reason (e.g. `tag` is an indexed string). */
  unsupported?: Record<string, string>;
  /** What the names belong to, for messages: `unknown name "amout"; Withdraw has: user, amount`. */
  scopeName?: string;
  /** Contracts the expression may read (`vault.totalAssets()`) and name (their address), by config name. */
  contracts?: Record<string, ReadableContract>;
}

/** The scope key of a written path: indexes become `[]` (`orders[1].amount` → `orders[].amount`). */
export function scopeKey(path: readonly PathPart[]): string {
  return path.map((part, index) => (typeof part === 'number' ? '[]' : index === 0 ? part : `.${part}`)).join('');
}

/** The value type of a name as written. Throws ExpressionError saying what the name is when it cannot be used. */
export function resolveName(path: readonly PathPart[], column: number, scope: Scope): ValueType {
  const key = scopeKey(path);
  const type = scope.variables[key] ?? scope.elements?.[key];
  if (type) return type;
  const shown = formatPath(path);
  const reason = scope.unsupported?.[key];
  if (reason) throw new ExpressionError(column, `"${shown}" cannot be used in a condition: ${reason}`);
  if (isList(key, scope)) {
    throw new ExpressionError(column, `"${shown}" is an array; use one element, ${shown}[0], or test membership: ${shown} contains …`);
  }
  const fields = [...Object.keys(scope.variables), ...Object.keys(scope.elements ?? {})].filter((known) => known.startsWith(`${key}.`));
  if (fields.length > 0) {
    const written = fields.map((field) => `${shown}${field.slice(key.length)}`);
    throw new ExpressionError(column, `"${shown}" is a struct; use one of its fields: ${written.join(', ')}`);
  }
  const firstIndex = path.findIndex((part) => typeof part === 'number');
  if (firstIndex > 0) notAnArray(path.slice(0, firstIndex), column, scope);
  if (scope.contracts && Object.keys(scope.variables).length === 0) {
    throw new ExpressionError(column, `unknown name "${shown}"; read a contract as contract.function(), e.g. ${Object.keys(scope.contracts)[0] ?? 'vault'}.totalAssets(); contracts are: ${Object.keys(scope.contracts).join(', ')}`);
  }
  const owner = scope.scopeName ? `${scope.scopeName} has` : 'known names are';
  const names = topLevelNames(scope);
  throw new ExpressionError(column, `unknown name "${shown}"; ${names.length > 0 ? `${owner}: ${names.join(', ')}` : `${owner} no usable arguments`}`);
}

/**
 * The element type when `path` names a whole array of plain values (for `contains`), undefined when
 * it names no array. Throws when it is an array of structs or of arrays, which `contains` cannot search.
 */
export function resolveList(path: readonly PathPart[], scope: Scope, column = 1): ValueType | undefined {
  const key = scopeKey(path);
  const element = scope.elements?.[`${key}[]`];
  if (element) return element;
  if (!isList(key, scope)) return undefined;
  throw new ExpressionError(
    column,
    `"${formatPath(path)}" holds structs or arrays; "contains" searches arrays of numbers, addresses, true/false or text — compare a field of one element instead, e.g. ${formatPath(path)}[0]…`,
  );
}

function isList(key: string, scope: Scope): boolean {
  return Object.keys(scope.elements ?? {}).some((known) => known.startsWith(`${key}[]`));
}

/** `amount[0]` where amount is a number: say that, instead of "unknown name". */
function notAnArray(prefix: readonly PathPart[], column: number, scope: Scope): void {
  const key = scopeKey(prefix);
  const type = scope.variables[key] ?? scope.elements?.[key];
  if (type) throw new ExpressionError(column, `"${formatPath(prefix)}" is ${describeType(type)}, not an array; it cannot be indexed`);
}

/** `order.amount` and `order.to` are listed once, as `order`, to keep the message short. */
function topLevelNames(scope: Scope): string[] {
  const all = [...Object.keys(scope.variables), ...Object.keys(scope.unsupported ?? {})];
  return [...new Set(all.map((name) => name.split('.')[0]!))];
}
