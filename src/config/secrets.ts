/**
 * Keys are never inline. Any config value that looks like a 32-byte hex private key is an error —
 * whether written in the file, as a `${VAR:-default}` fallback, or arriving through `${VAR}` — and
 * the error never repeats the value.
 *
 * Exempt: pause call arguments and check values, where a bytes32 (a role id, a reason code) is a
 * legitimate fixed argument.
 */
import type { ConfigPath, InterpolateResult, PathIssue } from './interpolate.js';

const privateKeyPattern = /^(0x)?[0-9a-fA-F]{64}$/;

const advice =
  'keys are never written in the config — set responders.guardian.privateKeyEnv to the name of an environment variable holding it, or privateKeyFile to a file path';

/** True for a string that looks like a 32-byte hex private key (with or without 0x). */
export function looksLikePrivateKey(value: unknown): boolean {
  return typeof value === 'string' && privateKeyPattern.test(value.trim());
}

export interface FindInlineKeysParameters {
  /** The tree as parsed from YAML, before interpolation. */
  raw: unknown;
  /** The interpolation result of that tree. */
  interpolated: InterpolateResult;
}

/** One issue per path that holds (or would hold) a private key; paths in document order. */
export function findInlineKeys({ raw, interpolated }: FindInlineKeysParameters): PathIssue[] {
  const issues = new Map<string, PathIssue>();
  const add = (path: ConfigPath, message: string) => {
    const key = JSON.stringify(path);
    if (!isExempt(path) && !issues.has(key)) issues.set(key, { path, message });
  };
  visitStrings(raw, [], (value, path) => {
    if (looksLikePrivateKey(value)) add(path, `looks like a private key; ${advice}`);
  });
  for (const reference of interpolated.references) {
    if (reference.defaults.some(looksLikePrivateKey)) add(reference.path, `the \${...:-default} fallback looks like a private key; ${advice}`);
  }
  visitStrings(interpolated.value, [], (value, path) => {
    if (!looksLikePrivateKey(value)) return;
    const reference = interpolated.references.find((entry) => samePath(entry.path, path));
    const source = reference ? `the value of \${${reference.variables.join('}, ${')}}` : 'the value';
    add(path, `${source} looks like a private key; ${advice}`);
  });
  return [...issues.values()];
}

function isExempt(path: ConfigPath): boolean {
  const [section, list, , field, subfield] = path;
  if (section !== 'responders' || list !== 'pauses') return false;
  return field === 'args' || (field === 'check' && (subfield === 'args' || subfield === 'expect'));
}

function visitStrings(value: unknown, path: ConfigPath, visit: (value: string, path: ConfigPath) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((item, index) => visitStrings(item, [...path, index], visit));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) visitStrings(item, [...path, key], visit);
  }
}

function samePath(a: ConfigPath, b: ConfigPath): boolean {
  return a.length === b.length && a.every((part, index) => part === b[index]);
}
