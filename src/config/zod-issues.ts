/**
 * Turns zod issues into config issues a person can act on: `path: expected ..., got <value>`,
 * `path: required`, `path: unknown key "blocktime"; did you mean "blockTime"?`. For unions it reports
 * the branch the value was evidently meant for, not every branch's complaint.
 */
import type { z } from 'zod';
import type { ConfigPath, PathIssue } from './interpolate.js';
import { looksLikePrivateKey } from './secrets.js';
import { didYouMean } from './suggest.js';

type ZodIssue = z.core.$ZodIssue;

export interface DescribeZodIssuesParameters {
  issues: readonly ZodIssue[];
  /** The value that was validated, to show what was found and to pick union branches. */
  input: unknown;
  /** The schema, to list the keys that would have been valid. */
  schema: z.ZodType;
  /**
   * Values that came from `${VAR}` references. They are not repeated in messages — an RPC url or a
   * webhook url from the environment often carries a token — only the variables are named.
   */
  fromEnvironment?: readonly { path: ConfigPath; variables: string[] }[];
}

/** Path-qualified issues; `unknownKeyPath` is set on unknown-key issues (their `path` is the object). */
export type DescribedIssue = PathIssue & { unknownKeyPath?: ConfigPath };

export function describeZodIssues({ issues, input, schema, fromEnvironment = [] }: DescribeZodIssuesParameters): DescribedIssue[] {
  const out: DescribedIssue[] = [];
  const show = (path: ConfigPath, value: unknown) => {
    const reference = fromEnvironment.find((entry) => entry.path.length === path.length && entry.path.every((part, index) => part === path[index]));
    return reference ? `the value of ${reference.variables.map((name) => `\${${name}}`).join(', ')} (not shown)` : formatValue(value);
  };
  for (const issue of issues) describe(issue, [], { input, schema, out, show });
  return out;
}

interface Context {
  input: unknown;
  schema: z.ZodType;
  out: DescribedIssue[];
  /** How a found value appears in a message. */
  show(path: ConfigPath, value: unknown): string;
}

function describe(issue: ZodIssue, base: ConfigPath, context: Context): void {
  const path = [...base, ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part))];
  const value = valueAt(context.input, path);
  const push = (message: string) => {
    const got = value !== undefined && (isPrimitive(value) || issue.code === 'invalid_type' || issue.code === 'invalid_union');
    context.out.push({ path, message: got ? `${message}, got ${context.show(path, value)}` : message });
  };
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(context.schema, path, context.input);
      for (const key of issue.keys) {
        // At the top there is no path to name the place: list the sections instead.
        const where = path.length === 0 ? ` at the top level (sections: ${known.join(', ')})` : '';
        context.out.push({ path, unknownKeyPath: [...path, key], message: `unknown key ${JSON.stringify(key)}${where}${didYouMean({ input: key, candidates: known })}` });
      }
      return;
    }
    case 'invalid_type':
      if (value === undefined) return push('required');
      return push(isDefaultMessage(issue.message) ? `expected ${typeName(issue.expected)}` : issue.message);
    case 'invalid_value': {
      const values = issue.values.map((entry) => JSON.stringify(entry));
      const expected = values.length === 1 ? `expected ${values[0]}` : `expected one of ${values.join(', ')}`;
      const suggestion = typeof value === 'string' ? didYouMean({ input: value, candidates: issue.values.map(String) }) : '';
      context.out.push({ path, message: `${expected}${value === undefined ? '' : `, got ${context.show(path, value)}`}${suggestion}` });
      return;
    }
    case 'invalid_union': {
      if (issue.discriminator !== undefined) return describeDiscriminator(issue, path, context);
      const branch = likelyBranch(issue.errors);
      if (branch !== undefined) {
        for (const inner of branch) describe(inner, path, context);
        return;
      }
      return push(isDefaultMessage(issue.message) ? `expected ${unionSummary(issue.errors)}` : issue.message);
    }
    case 'too_small':
    case 'too_big':
      return push(isDefaultMessage(issue.message) ? sizeMessage(issue) : issue.message);
    case 'invalid_format':
      return push(isDefaultMessage(issue.message) ? `expected a valid ${issue.format}` : issue.message);
    default:
      return push(issue.message);
  }
}

function describeDiscriminator(issue: z.core.$ZodIssueInvalidUnion, path: ConfigPath, context: Context): void {
  const discriminator = issue.discriminator!;
  // zod 4 puts the discriminator key on the path already when the object exists.
  const keyPath: ConfigPath = path[path.length - 1] === discriminator ? path : [...path, discriminator];
  const found = valueAt(context.input, keyPath);
  const choices = ('options' in issue ? (issue.options ?? []) : []).map(String);
  const options = choices.map((option) => JSON.stringify(option)).join(', ');
  if (found === undefined) {
    context.out.push({ path: keyPath, message: `required; expected one of ${options}` });
    return;
  }
  const suggestion = typeof found === 'string' ? didYouMean({ input: found, candidates: choices }) : '';
  context.out.push({ path: keyPath, message: `expected one of ${options}, got ${context.show(keyPath, found)}${suggestion}` });
}

/**
 * The union branch the value was meant for: one that did not reject the value's type outright
 * at its root, preferring branches whose keys the value used (fewest unknown keys, then fewest issues).
 */
function likelyBranch(branches: readonly (readonly ZodIssue[])[]): readonly ZodIssue[] | undefined {
  let best: { issues: readonly ZodIssue[]; score: number } | undefined;
  for (const issues of branches) {
    const rejectsShape = issues.some(
      (issue) => issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value' || (issue.code === 'invalid_union' && likelyBranch(issue.errors) === undefined)),
    );
    if (rejectsShape) continue;
    const unknownKeys = issues.filter((issue) => issue.path.length === 0 && issue.code === 'unrecognized_keys').length;
    const score = unknownKeys * 100 + issues.length;
    if (best === undefined || score < best.score) best = { issues, score };
  }
  return best?.issues;
}

function unionSummary(branches: readonly (readonly ZodIssue[])[]): string {
  const alternatives = new Set<string>();
  for (const issues of branches) {
    for (const issue of issues) {
      if (issue.path.length > 0) continue;
      if (issue.code === 'invalid_type') alternatives.add(typeName(issue.expected));
      if (issue.code === 'invalid_value') issue.values.forEach((entry) => alternatives.add(JSON.stringify(entry)));
    }
  }
  const list = [...alternatives];
  return list.length <= 1 ? (list[0] ?? 'a valid value') : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

function sizeMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === 'too_small';
  const bound = small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum;
  if (issue.origin === 'array' || issue.origin === 'set') return `expected ${small ? 'at least' : 'at most'} ${bound} entries`;
  if (issue.origin === 'string') return `expected ${small ? 'at least' : 'at most'} ${bound} characters`;
  const operator = small ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
  return `expected a number ${operator} ${bound}`;
}

const typeNames: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  bigint: 'an integer',
  null: 'null',
};

function typeName(expected: string): string {
  return typeNames[expected] ?? expected;
}

/** zod's own messages ("Invalid input: ...", "Too small: ...") are replaced; ours ("expected ...") are kept. */
function isDefaultMessage(message: string): boolean {
  return /^(Invalid|Too (small|big)|Unrecognized)/.test(message);
}

function isPrimitive(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean', 'bigint'].includes(typeof value);
}

/** Shows a value the way it was written; never a private key. */
export function formatValue(value: unknown): string {
  if (looksLikePrivateKey(value)) return '<a private key, not shown>';
  if (typeof value === 'string') return truncate(JSON.stringify(value), 80);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return String(value);
  const redacted = JSON.stringify(value, (_key, entry: unknown) => (looksLikePrivateKey(entry) ? '<a private key, not shown>' : entry));
  return truncate(redacted, 80);
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

export function valueAt(root: unknown, path: ConfigPath): unknown {
  let value = root;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[part];
  }
  return value;
}

/** Minimal view of zod 4 internals: enough to find which keys an object at a path accepts. */
interface SchemaDefinition {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  left?: z.ZodType;
  right?: z.ZodType;
}

function definitionOf(schema: z.ZodType): SchemaDefinition {
  return (schema as unknown as { _zod: { def: SchemaDefinition } })._zod.def;
}

/** Keys of every object schema that can sit at `path`, narrowed by discriminators found in the input. */
function knownKeysAt(schema: z.ZodType, path: ConfigPath, input: unknown): string[] {
  const keys = new Set<string>();
  const visit = (node: z.ZodType, depth: number, value: unknown) => {
    const definition = definitionOf(node);
    const inner = definition.innerType ?? definition.in;
    if (inner) return visit(inner, depth, value);
    if (definition.type === 'union' && definition.options) {
      const tag = definition.discriminator && value && typeof value === 'object' ? (value as Record<string, unknown>)[definition.discriminator] : undefined;
      const matching = definition.options.filter((option) => tag === undefined || definitionOf(option).shape?.[definition.discriminator!] === undefined || literalOf(definitionOf(option).shape![definition.discriminator!]!) === tag);
      return (matching.length > 0 ? matching : definition.options).forEach((option) => visit(option, depth, value));
    }
    if (definition.type === 'intersection') return [definition.left, definition.right].forEach((side) => side && visit(side, depth, value));
    if (depth === path.length) {
      if (definition.type === 'object' && definition.shape) Object.keys(definition.shape).forEach((key) => keys.add(key));
      return;
    }
    const part = path[depth]!;
    const next = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[part] : undefined;
    if (definition.type === 'object' && typeof part === 'string' && definition.shape?.[part]) visit(definition.shape[part], depth + 1, next);
    if (definition.type === 'array' && typeof part === 'number' && definition.element) visit(definition.element, depth + 1, next);
  };
  visit(schema, 0, input);
  return [...keys];
}

function literalOf(schema: z.ZodType): unknown {
  const definition = definitionOf(schema) as SchemaDefinition & { values?: unknown[] };
  return definition.values?.[0];
}
