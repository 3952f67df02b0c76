/**
 * Seeded fuzzing: random token soup must only ever produce ExpressionError at compile time, and
 * whatever compiles must evaluate without throwing, whatever the argument values.
 * Seeds are fixed so a failure reproduces; the failing source is in the assertion message.
 */
import { describe, expect, it } from 'vitest';
import { ExpressionError, compileCondition, type ValueType } from './index.js';
import { seededRandom } from '../test-helpers.js';


const variables: Record<string, ValueType> = { amount: 'bigint', fee: 'bigint', user: 'address', flag: 'bool', memo: 'string' };
const alphabet = [
  'amount', 'fee', 'user', 'flag', 'memo', 'nope', 'amount.x', 'units', 'units("1.5", 6)', 'units(', '"1"', ',', '6',
  '0', '1', '42', '1_000e18', '1.5e6', '1e', '1.', '115792089237316195423570985008687907853269984665640564039457584007913129639935',
  '0x000000000000000000000000000000000000dEaD', '0x12', '"str"', "'s'", '"unterminated', 'true', 'false',
  'and', 'or', 'not', '&&', '||', '!', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', '(', ')', '.',
  '=', '&', '|', '#', ' ', '  ', '\t', '\\', 'é',
];

function randomSource(next: () => number): string {
  const length = 1 + Math.floor(next() * 14);
  let source = '';
  for (let i = 0; i < length; i += 1) {
    source += alphabet[Math.floor(next() * alphabet.length)]!;
    if (next() < 0.6) source += ' ';
  }
  return source;
}

/** Replaces, inserts or deletes a few alphabet tokens in a space-separated source. */
function mutate(next: () => number, source: string): string {
  const parts = source.split(' ');
  const edits = Math.floor(next() * 3);
  for (let i = 0; i < edits; i += 1) {
    const at = Math.floor(next() * (parts.length + 1));
    const token = alphabet[Math.floor(next() * alphabet.length)]!;
    const roll = next();
    if (roll < 0.4) parts.splice(at, 1, token);
    else if (roll < 0.7) parts.splice(at, 0, token);
    else parts.splice(at, 1);
  }
  return parts.join(next() < 0.5 ? ' ' : '');
}

const valueSets: Record<string, unknown>[] = [
  { amount: 0n, fee: 0n, user: '0x000000000000000000000000000000000000dEaD', flag: false, memo: '' },
  { amount: (1n << 256n) - 1n, fee: (1n << 256n) - 1n, user: '0x000000000000000000000000000000000000dead', flag: true, memo: 'str' },
  { amount: 1n, fee: 3n, user: 'not an address', flag: 'yes', memo: 5 },
  {},
];

/** Well-typed random expressions: they must compile. */
function randomTyped(next: () => number, type: ValueType, depth: number): string {
  const leaf = depth <= 0 || next() < 0.3;
  const pick = <T,>(items: T[]): T => items[Math.floor(next() * items.length)]!;
  if (type === 'bigint') {
    if (leaf) return pick(['amount', 'fee', '0', '7', '1_000e18', 'units("2.5", 6)', '115792089237316195423570985008687907853269984665640564039457584007913129639935']);
    if (next() < 0.2) return `-${randomTyped(next, 'bigint', depth - 1)}`;
    return `(${randomTyped(next, 'bigint', depth - 1)} ${pick(['+', '-', '*', '/', '%'])} ${randomTyped(next, 'bigint', depth - 1)})`;
  }
  if (type === 'bool') {
    if (leaf) return pick(['flag', 'true', 'false']);
    const roll = next();
    if (roll < 0.2) return `not (${randomTyped(next, 'bool', depth - 1)})`;
    if (roll < 0.5) return `(${randomTyped(next, 'bool', depth - 1)} ${pick(['and', 'or', '&&', '||'])} ${randomTyped(next, 'bool', depth - 1)})`;
    if (roll < 0.6) return `user ${pick(['==', '!='])} 0x000000000000000000000000000000000000dEaD`;
    if (roll < 0.7) return `memo ${pick(['==', '!='])} "str"`;
    return `${randomTyped(next, 'bigint', depth - 1)} ${pick(['==', '!=', '<', '<=', '>', '>='])} ${randomTyped(next, 'bigint', depth - 1)}`;
  }
  return type === 'address' ? 'user' : 'memo';
}

describe('fuzz', () => {
  it('random token strings: compile throws only ExpressionError; evaluation never throws', () => {
    const next = seededRandom(20_240_601);
    let compiled = 0;
    for (let i = 0; i < 4000; i += 1) {
      // Half pure token soup, half a valid condition with a few tokens mutated (nearly-valid input finds more bugs).
      const source = i % 2 === 0 ? randomSource(next) : mutate(next, randomTyped(next, 'bool', 3));
      let condition;
      try {
        condition = compileCondition({ source, variables, scopeName: 'Fuzz' });
      } catch (error) {
        if (!(error instanceof ExpressionError)) expect.fail(`${JSON.stringify(source)} threw ${String(error)}`);
        expect(error.column, source).toBeGreaterThanOrEqual(1);
        expect(error.column, source).toBeLessThanOrEqual(source.length + 1);
        continue;
      }
      compiled += 1;
      for (const values of valueSets) {
        const result = condition.evaluate(values);
        expect(typeof result.ok, source).toBe('boolean');
        if (result.ok) expect(typeof result.value, source).toBe('boolean');
      }
    }
    // The alphabet is rich enough that some random strings are valid conditions.
    expect(compiled).toBeGreaterThan(100);
  });

  it('random well-typed expressions compile and evaluate without throwing', () => {
    const next = seededRandom(7);
    for (let i = 0; i < 1500; i += 1) {
      const source = randomTyped(next, 'bool', 5);
      const condition = compileCondition({ source, variables });
      for (const values of valueSets) {
        const result = condition.evaluate(values);
        expect(typeof result.ok, source).toBe('boolean');
      }
    }
  });
});
