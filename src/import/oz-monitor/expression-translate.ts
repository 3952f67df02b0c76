/**
 * Translates an OpenZeppelin Monitor event expression into a warden `where` condition with the same
 * meaning, checked against the event's ABI. OZ Monitor's EVM evaluator decides what a literal means
 * from the parameter's Solidity type, so the translation does too:
 *
 * - uint/int: compared as exact 256-bit integers; the literal may be decimal, 0x-hex or quoted → decimal.
 * - address: compared ignoring case and 0x; the literal must be text → an unquoted 0x address.
 * - string/bytes: every comparison ignores case → `lower(x) == "abc"`, `x contains "abc"` (warden's
 *   contains / starts_with / ends_with already ignore case).
 * - bool: `== true` / `!= false`.
 * - arrays: `[i]` and `contains` (membership); tuples: `.field`.
 *
 * Whatever OZ Monitor rejected at run time (an operator the type does not take, a literal of the
 * wrong kind, a fraction for an integer) never matched there; such an expression is not converted,
 * and the reason names the column so the user can fix the source.
 */
import { getAddress, type AbiEvent, type AbiParameter } from 'viem';
import { ExpressionError, compileCondition, scopeFromAbiInputs } from '../../../detectors/expression/index.js';
import { OzExpressionError, parseOzExpression, type OzAccessor, type OzExpression, type OzLiteral } from './expression-parser.js';

export interface TranslateOzExpressionParameters {
  /** The OZ Monitor expression, e.g. `value > 10000000000 AND to == '0xA0b8…'`. */
  source: string;
  /** The event it is evaluated against (from the monitor's contract_spec). */
  event: AbiEvent;
}

export type TranslateOzExpressionReturnType =
  /** `notes` say where warden's result differs from what OZ Monitor did. */
  | { ok: true; where: string; notes: string[] }
  /** `column` is 1-based in `source`. */
  | { ok: false; column: number; reason: string };

class Untranslatable extends Error {
  constructor(
    readonly column: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const maxUint256 = (1n << 256n) - 1n;
const minInt256 = -(1n << 255n);

/** Never throws: an expression that cannot be converted comes back with its column and why. */
export function translateOzExpression(params: TranslateOzExpressionParameters): TranslateOzExpressionReturnType {
  const notes: string[] = [];
  let where: string;
  try {
    where = emit(parseOzExpression(params.source), params.event, notes, 'top');
  } catch (error) {
    if (error instanceof OzExpressionError || error instanceof Untranslatable) return { ok: false, column: error.column, reason: error.reason };
    throw error;
  }
  try {
    // Belt and braces: what we emit must compile in warden against the same event.
    compileCondition({ source: where, ...scopeFromAbiInputs({ inputs: params.event.inputs, scopeName: params.event.name }) });
  } catch (error) {
    const reason = error instanceof ExpressionError ? error.message : String(error);
    return { ok: false, column: 1, reason: `the translation ${JSON.stringify(where)} does not compile in warden (${reason})` };
  }
  return { ok: true, where, notes: [...new Set(notes)] };
}

function emit(node: OzExpression, event: AbiEvent, notes: string[], parent: 'top' | 'and' | 'or'): string {
  if (node.type === 'condition') return emitCondition(node, event, notes);
  const text = `${emit(node.left, event, notes, node.operator)} ${node.operator} ${emit(node.right, event, notes, node.operator)}`;
  // AND binds tighter than OR in both languages: only an OR inside an AND needs parentheses.
  return node.operator === 'or' && parent === 'and' ? `(${text})` : text;
}

type Condition = Extract<OzExpression, { type: 'condition' }>;

function emitCondition(condition: Condition, event: AbiEvent, notes: string[]): string {
  const parameter = resolveParameter(condition, event, notes);
  const path = condition.base + condition.accessors.map((a) => (a.kind === 'key' ? `.${a.name}` : `[${a.index}]`)).join('');
  const { operator, value } = condition;
  const kind = typeKind(parameter.type);
  const fail = (column: number, reason: string): never => {
    throw new Untranslatable(column, reason);
  };
  const rejected = (what: string) =>
    fail(condition.operatorColumn, `OpenZeppelin Monitor does not take "${operator}" for ${what} (${path}); it rejected this condition and never matched it`);
  switch (kind) {
    case 'uint':
    case 'int': {
      if (!['==', '!=', '<', '<=', '>', '>='].includes(operator)) rejected(`a number`);
      return `${path} ${operator} ${integerLiteral(value, kind, path)}`;
    }
    case 'address': {
      if (operator !== '==' && operator !== '!=') rejected('an address');
      return `${path} ${operator} ${addressLiteral(value, operator, path)}`;
    }
    case 'bool': {
      if (operator !== '==' && operator !== '!=') rejected('true/false');
      if (value.kind !== 'bool') fail(value.column, `${path} is true/false; OpenZeppelin Monitor only compares it with true or false (unquoted), so this never matched`);
      return `${path} ${operator} ${String((value as { value: boolean }).value)}`;
    }
    case 'text': {
      if (value.kind !== 'string') fail(value.column, `${path} is text; OpenZeppelin Monitor only compares it with quoted text, so this never matched; quote the value`);
      const text = (value as { text: string }).text;
      if (operator === '==' || operator === '!=') return `lower(${path}) ${operator} ${quote(text.toLowerCase())}`;
      if (operator === 'contains' || operator === 'starts_with' || operator === 'ends_with') return `${path} ${operator} ${quote(text)}`;
      return rejected('text');
    }
    case 'array': {
      if (operator !== 'contains') {
        fail(condition.operatorColumn, `comparing a whole array (${path} ${operator} …) compares OpenZeppelin Monitor's text rendering of it; warden has no equivalent — compare elements (${path}[0]) or use contains`);
      }
      const element = elementOf(parameter);
      if (!ozCanEvaluate(parameter)) notes.push(renderingNote(path, parameter.type));
      return `${path} contains ${memberLiteral(value, element, path)}`;
    }
    case 'tuple':
      return fail(condition.operatorColumn, `comparing a whole struct (${path} ${operator} …) compares OpenZeppelin Monitor's text rendering "(a,b,…)"; compare its fields instead, e.g. ${path}.${(parameter as { components?: AbiParameter[] }).components?.[0]?.name ?? 'field'}`);
    default:
      return fail(condition.column, `${path} has type ${parameter.type}, which warden conditions cannot read`);
  }
}

type Kind = 'uint' | 'int' | 'address' | 'bool' | 'text' | 'array' | 'tuple' | 'other';

function typeKind(type: string): Kind {
  if (type.endsWith(']')) return 'array';
  if (type === 'tuple') return 'tuple';
  if (/^uint\d*$/.test(type)) return 'uint';
  if (/^int\d*$/.test(type)) return 'int';
  if (type === 'address' || type === 'bool') return type;
  if (type === 'string' || /^bytes\d*$/.test(type)) return 'text';
  return 'other';
}

function elementOf(parameter: AbiParameter): AbiParameter {
  return { ...parameter, type: parameter.type.slice(0, parameter.type.lastIndexOf('[')) } as AbiParameter;
}

/** Walks `.key` and `[i]` from the named event parameter, as OZ Monitor names EVM parameters: by ABI name. */
function resolveParameter(condition: Condition, event: AbiEvent, notes: string[]): AbiParameter {
  const names = event.inputs.map((input) => input.name).filter(Boolean);
  const signature = `${event.name}(${event.inputs.map((input) => input.type).join(',')})`;
  const base = event.inputs.find((input) => input.name === condition.base);
  if (!base) {
    const positional = /^\d+$/.test(condition.base)
      ? '; OpenZeppelin Monitor names EVM event parameters by their ABI names (numbers like 0 name Stellar event parameters)'
      : '';
    throw new Untranslatable(condition.column, `no parameter "${condition.base}" in ${signature} (it has: ${names.join(', ') || 'no named parameters'})${positional}, so OpenZeppelin Monitor never matched this`);
  }
  const dynamic = base.type === 'string' || base.type === 'bytes' || base.type === 'tuple' || base.type.endsWith(']');
  if ('indexed' in base && base.indexed && dynamic) {
    throw new Untranslatable(condition.column, `${base.name} is an indexed ${base.type}: the log carries only its hash, so its value cannot be compared`);
  }
  let current: AbiParameter = base;
  let path = base.name!;
  for (const accessor of condition.accessors) {
    current = step(current, accessor, path, condition.column);
    path += accessor.kind === 'key' ? `.${accessor.name}` : `[${accessor.index}]`;
  }
  if (condition.accessors.length > 0 && !ozCanEvaluate(base)) notes.push(renderingNote(base.name!, base.type));
  return current;
}

function step(parameter: AbiParameter, accessor: OzAccessor, path: string, column: number): AbiParameter {
  if (accessor.kind === 'index') {
    const fixed = /\[(\d+)\]$/.exec(parameter.type);
    if (!parameter.type.endsWith(']')) throw new Untranslatable(column, `${path} is a ${parameter.type}, not an array; it cannot be indexed`);
    if (fixed && accessor.index >= Number(fixed[1])) {
      throw new Untranslatable(column, `${path}[${accessor.index}] is past the end of a ${parameter.type}; OpenZeppelin Monitor never matched it`);
    }
    return elementOf(parameter);
  }
  const components = parameter.type === 'tuple' ? ((parameter as { components?: readonly AbiParameter[] }).components ?? []) : undefined;
  const field = components?.find((component) => component.name === accessor.name);
  if (!components) throw new Untranslatable(column, `${path} is a ${parameter.type}, not a struct; it has no field "${accessor.name}"`);
  if (!field) throw new Untranslatable(column, `${path} has no field "${accessor.name}" (it has: ${components.map((c) => c.name).join(', ')})`);
  return field;
}

/** OZ Monitor parses arrays it renders as JSON: only numbers and true/false survive that. */
function ozCanEvaluate(parameter: AbiParameter): boolean {
  if (!parameter.type.endsWith(']')) return /^u?int\d*$/.test(parameter.type) || parameter.type === 'bool';
  return ozCanEvaluate(elementOf(parameter));
}

function renderingNote(name: string, type: string): string {
  const shape = type === 'tuple' ? 'a struct, as text "(a,b,…)"' : `a ${type}, as text "[a,b,…]" that is not JSON`;
  return `OpenZeppelin Monitor renders ${name} (${shape}) and cannot evaluate conditions inside it on EVM, so they never matched there; warden evaluates them as written`;
}

function quote(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** OZ Monitor's string_to_u256 / string_to_i256: decimal, or 0x-hex (two's complement for int). */
function integerLiteral(value: OzLiteral, kind: 'uint' | 'int', path: string): string {
  if (value.kind === 'bool') throw new Untranslatable(value.column, `${path} is a number; OpenZeppelin Monitor rejected true/false here and never matched this`);
  const text = value.kind === 'number' ? value.text : value.text.trim();
  let parsed: bigint;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) {
    parsed = BigInt(`0x${text.slice(2)}`);
    if (parsed > maxUint256) throw new Untranslatable(value.column, `${text} does not fit in 256 bits; OpenZeppelin Monitor never matched this`);
    if (kind === 'int' && parsed > maxUint256 >> 1n) parsed -= 1n << 256n;
  } else if (kind === 'uint' ? /^\d+$/.test(text) : /^-?\d+$/.test(text)) {
    parsed = BigInt(text);
  } else {
    const why = /^-?\d+\.\d+$/.test(text) ? 'is not a whole number' : text.startsWith('-') ? 'is negative' : 'is not a number';
    throw new Untranslatable(value.column, `${JSON.stringify(text)} ${why}; OpenZeppelin Monitor could not compare it with ${path} (a ${kind === 'uint' ? 'uint' : 'int'}) and never matched this`);
  }
  if (parsed > maxUint256 || parsed < (kind === 'uint' ? 0n : minInt256) || (kind === 'int' && parsed > maxUint256 >> 1n)) {
    throw new Untranslatable(value.column, `${text} is out of range for ${path}; OpenZeppelin Monitor never matched this`);
  }
  return parsed.toString();
}

/** OZ Monitor's are_same_address: ignores case, a 0x prefix and spaces. */
function addressLiteral(value: OzLiteral, operator: string, path: string): string {
  if (value.kind !== 'string') throw new Untranslatable(value.column, `${path} is an address; OpenZeppelin Monitor only compares it with quoted text like '0xA0b8…', so this never matched`);
  const hex = value.text.replaceAll(' ', '').replace(/^0x/, '');
  if (!/^[0-9a-fA-F]{40}$/.test(hex)) {
    const outcome = operator === '==' ? 'was never true' : 'was always true';
    throw new Untranslatable(value.column, `${JSON.stringify(value.text)} is not an address (0x and 40 hex digits); in OpenZeppelin Monitor this comparison ${outcome} — fix the address`);
  }
  return getAddress(`0x${hex.toLowerCase()}`);
}

/** A `contains` member, typed as the array's elements (OZ compares numbers as decimals, text and addresses ignoring case). */
function memberLiteral(value: OzLiteral, element: AbiParameter, path: string): string {
  const kind = typeKind(element.type);
  if (value.kind === 'bool') throw new Untranslatable(value.column, `OpenZeppelin Monitor rejected an unquoted true/false after contains (it wants text) and never matched this; write 'true'`);
  const text = value.text;
  if (kind === 'uint' || kind === 'int') {
    if (!/^-?\d+(\.0+)?$/.test(text)) throw new Untranslatable(value.column, `${JSON.stringify(text)} is not a whole decimal number, so no element of ${path} ever equalled it in OpenZeppelin Monitor`);
    return BigInt(text.replace(/\.0+$/, '')).toString();
  }
  if (kind === 'bool') {
    if (!/^(true|false)$/i.test(text)) throw new Untranslatable(value.column, `${path} holds true/false; ${JSON.stringify(text)} never matched an element`);
    return text.toLowerCase();
  }
  if (kind === 'address') return addressLiteral({ ...value, kind: 'string', quoted: true, text } as OzLiteral, '==', `an element of ${path}`);
  if (kind === 'text') return quote(text);
  throw new Untranslatable(value.column, `${path} holds ${element.type} values; warden's contains searches arrays of numbers, addresses, true/false or text`);
}
