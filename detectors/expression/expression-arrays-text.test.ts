/**
 * The parts of the condition language that read OpenZeppelin Monitor's syntax: AND / OR in any case,
 * contains / starts_with / ends_with, `[i]` and `.field` access, array membership, and lower().
 * Values are decoded the way viem decodes logs (structs as objects, arrays as arrays).
 */
import { describe, expect, it } from 'vitest';
import { parseAbiItem, type AbiEvent } from 'viem';
import { ExpressionError, compileCondition, scopeFromAbiInputs } from './index.js';
import { seededRandom } from '../test-helpers.js';

const event = parseAbiItem(
  'event Batch(address indexed sender, uint256[] ids, address[] holders, string[] tags, bool[] flags, (uint128 amount, address to)[] orders, uint8[3] fixedIds, uint256[][] grid, (uint256 id, string name) meta, string memo, bytes data, int256 delta, address indexed tagged, uint256[] indexed hashedIds)',
) as AbiEvent;
const scope = scopeFromAbiInputs({ inputs: event.inputs, scopeName: 'Batch' });
const alice = '0xa11Ce00000000000000000000000000000000a11';
const bob = '0x0000000000000000000000000000000000000b0b';
const values = {
  sender: alice,
  ids: [10n, 20n, 30n],
  holders: [alice, bob],
  tags: ['Alpha', 'beta'],
  flags: [false, false],
  orders: [
    { amount: 5n, to: bob },
    { amount: 7n, to: alice },
  ],
  fixedIds: [1, 2, 3], // viem decodes uint8 as a JS number
  grid: [[1n, 2n], [3n]],
  meta: { id: 9n, name: 'Vault Meta' },
  memo: 'Emergency WITHDRAWAL by admin',
  data: '0xa9059cbb000000000000000000000000000000000000000000000000000000000000002a',
  delta: -5n,
  tagged: bob,
};

function run(source: string, vals: Record<string, unknown> = values) {
  return compileCondition({ ...scope, source }).evaluate(vals);
}

describe('OpenZeppelin Monitor operators', () => {
  it.each([
    // AND / OR in any case, with and binding tighter than or (as in OZ Monitor)
    ['delta < 0 AND memo contains "withdrawal"', true],
    ['delta > 0 OR delta == -5', true],
    ['delta > 0 Or delta < 0 aNd false', false],
    ['TRUE and not FALSE', true],
    ['NOT (delta < 0)', false],
    // text operators ignore case
    ['memo contains "withdrawal"', true],
    ['memo CONTAINS "WITHDRAWAL BY"', true],
    ['memo contains "deposit"', false],
    ['memo starts_with "emergency"', true],
    ['memo ends_with "ADMIN"', true],
    ['memo starts_with "admin"', false],
    ['data starts_with "0xA9059CBB"', true],
    ["meta.name contains 'vault'", true],
    // == on text stays exact; lower() compares ignoring case
    ['memo == "emergency withdrawal by admin"', false],
    ['lower(memo) == "emergency withdrawal by admin"', true],
    ['lower(meta.name) != "vault meta"', false],
    // indexes and fields
    ['ids[0] == 10 and ids[2] == 30', true],
    ['orders[1].amount == 7 and orders[1].to == 0xa11ce00000000000000000000000000000000a11', true],
    ['fixedIds[2] == 3', true],
    ['grid[1][0] == 3', true],
    ['meta.id == 9', true],
    // membership
    ['ids contains 20', true],
    ['ids contains 21', false],
    ['holders contains 0xA11CE00000000000000000000000000000000A11', true],
    ['holders contains 0x000000000000000000000000000000000000dEaD', false],
    ['tags contains "ALPHA"', true],
    ['tags contains "alp"', false], // membership, not a substring search
    ['flags contains true', false],
    ['grid[0] contains 2', true],
  ] as const)('%s → %s', (source, expected) => {
    expect(run(source)).toEqual({ ok: true, value: expected });
  });

  it('an index past the end is a data error (no match), naming the column and the length', () => {
    expect(run('delta < 0 and ids[3] == 1')).toEqual({ ok: false, error: 'column 15: "ids[3]" is out of range (the array has 3 elements)' });
    expect(run('ids[3] == 1 or true')).toEqual({ ok: false, error: 'column 1: "ids[3]" is out of range (the array has 3 elements)' });
    // A guard short-circuits, as elsewhere.
    expect(run('ids contains 30 or ids[3] == 1')).toEqual({ ok: true, value: true });
  });

  it('a value of the wrong shape is a data error, not a crash', () => {
    expect(run('ids contains 5', { ...values, ids: 'not an array' })).toEqual({ ok: false, error: 'column 1: "ids" is not an array (got string)' });
    expect(run('ids contains 5', { ...values, ids: [1n, 'x'] })).toEqual({ ok: false, error: 'column 1: "ids[1]" is not an integer (got string)' });
    expect(run('orders[0].amount > 1', { ...values, orders: [{}] })).toEqual({ ok: false, error: 'column 1: "orders[0].amount" is missing from the event' });
  });
});

describe('compile errors for the new operators name the column', () => {
  it.each([
    ['ids == 1', 1, '"ids" cannot be used in a condition: it is a uint256[] (arrays are not supported); use one element, ids[0], or "ids contains …"'],
    ['grid[0] > 1', 1, '"grid[0]" is an array; use one element, grid[0][0], or test membership: grid[0] contains …'],
    ['orders[0] == 1', 1, '"orders[0]" is a struct; use one of its fields: orders[0].amount, orders[0].to'],
    ['orders contains 1', 1, '"orders" holds structs or arrays; "contains" searches arrays of numbers'],
    ['delta[0] == 1', 1, '"delta" is a number, not an array; it cannot be indexed'],
    ['hashedIds contains 1', 1, '"hashedIds" cannot be used in a condition: it is an indexed uint256[], which the log only carries as a hash'],
    ['ids contains "10"', 5, '"contains" needs a number (an element of the array) on the right, got a string'],
    ['delta contains 1', 7, '"contains" needs text or an array on the left, got a number'],
    ['delta starts_with "1"', 7, '"starts_with" needs text on the left, got a number'],
    ['memo ends_with 5', 6, '"ends_with" needs text on the right, got a number'],
    ['memo contains "a" contains "b"', 19, 'comparisons do not chain'],
    ['lower(delta) == "x"', 1, 'lower() takes text, got a number'],
    ['lower(memo) == "Emergency"', 16, 'lower(...) is never equal to "Emergency", which has capital letters; write "emergency"'],
    ['lower(memo == "x"', 18, 'expected ")" to close lower( at column 1'],
    ['ids[x] == 1', 5, 'expected an array index (a whole number like 0) after "[", got "x"'],
    ['ids[1_0] == 1', 5, 'expected an array index'],
    ['ids[0 == 1', 7, 'expected "]" to close "[" at column 4'],
    ['ids[99999999999] == 1', 5, 'expected an array index'],
    ['contains == 1', 1, 'expected a value, got the operator "contains"'],
    ['AND delta', 1, 'expected a value, got the operator "AND"'],
  ])('%s', (source, column, message) => {
    let caught: unknown;
    try {
      compileCondition({ ...scope, source });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ExpressionError);
    expect((caught as ExpressionError).column).toBe(column);
    expect((caught as ExpressionError).message).toContain(message);
  });
});

describe('scopes from ABI inputs', () => {
  it('lists array elements and struct fields inside arrays; indexed arrays stay unusable', () => {
    expect(scope.elements).toEqual({
      'ids[]': 'bigint',
      'holders[]': 'address',
      'tags[]': 'string',
      'flags[]': 'bool',
      'orders[].amount': 'bigint',
      'orders[].to': 'address',
      'fixedIds[]': 'bigint',
      'grid[][]': 'bigint',
    });
    expect(Object.keys(scope.unsupported ?? {})).toEqual(['ids', 'holders', 'tags', 'flags', 'orders', 'fixedIds', 'grid', 'hashedIds']);
  });
});

describe('fuzz with the new tokens', () => {
  const alphabet = [
    'ids', 'holders', 'tags', 'orders', 'grid', 'memo', 'delta', 'meta', '.name', '.amount', '.to', '[', ']', '[0]', '[1]', '[7]',
    'contains', 'STARTS_WITH', 'ends_with', 'lower(', 'lower', '(', ')', 'AND', 'Or', 'and', 'not', '==', '!=', '>', '-', '"x"', "'Y'",
    '5', '0', '0x0000000000000000000000000000000000000b0b', 'true', 'FALSE', ' ',
  ];
  const shapes: Record<string, unknown>[] = [values, {}, { ...values, ids: 'x', orders: [null], grid: [[]], tags: [1n], meta: null }];

  const valid = [
    'ids contains 5',
    'orders [1] .amount > 5 AND memo contains "x"',
    'lower( memo ) == "x" Or tags contains "Y"',
    'grid [0] [1] == 0 and holders contains 0x0000000000000000000000000000000000000b0b',
    'meta .name STARTS_WITH "v" and not ( delta > 0 )',
  ];
  const pick = (next: () => number) => alphabet[Math.floor(next() * alphabet.length)]!;

  /** Half token soup, half a valid condition with a few tokens replaced, inserted or dropped. */
  function source(next: () => number, i: number): string {
    if (i % 2 === 0) {
      let text = '';
      for (let n = 1 + Math.floor(next() * 10); n > 0; n -= 1) text += pick(next) + (next() < 0.5 ? ' ' : '');
      return text;
    }
    const parts = valid[Math.floor(next() * valid.length)]!.split(' ');
    for (let edits = Math.floor(next() * 3); edits > 0; edits -= 1) {
      const at = Math.floor(next() * parts.length);
      const roll = next();
      if (roll < 0.4) parts.splice(at, 1, pick(next));
      else if (roll < 0.7) parts.splice(at, 0, pick(next));
      else parts.splice(at, 1);
    }
    return parts.join(next() < 0.5 ? ' ' : '');
  }

  it('compile throws only ExpressionError; evaluation never throws', () => {
    const next = seededRandom(5_150_2026);
    let compiled = 0;
    for (let i = 0; i < 4000; i += 1) {
      const text = source(next, i);
      let condition;
      try {
        condition = compileCondition({ ...scope, source: text });
      } catch (error) {
        if (!(error instanceof ExpressionError)) expect.fail(`${JSON.stringify(text)} threw ${String(error)}`);
        expect(error.column, text).toBeGreaterThanOrEqual(1);
        expect(error.column, text).toBeLessThanOrEqual(text.length + 1);
        continue;
      }
      compiled += 1;
      for (const vals of shapes) expect(typeof condition.evaluate(vals).ok, text).toBe('boolean');
    }
    expect(compiled).toBeGreaterThan(200);
  });
});
