import { describe, expect, it } from 'vitest';
import { ExpressionError, compileCondition, scopeFromAbiInputs, type ValueType } from './index.js';
import { parseAbiItem, type AbiEvent } from 'viem';

const max = (1n << 256n) - 1n;
const variables: Record<string, ValueType> = {
  amount: 'bigint',
  fee: 'bigint',
  big: 'bigint',
  delta: 'bigint',
  user: 'address',
  to: 'address',
  flag: 'bool',
  other: 'bool',
  memo: 'string',
};
const values = {
  amount: 1_000n * 10n ** 18n,
  fee: 3n,
  big: max,
  delta: -5n,
  user: '0xAbCdEf0123456789aBcDeF0123456789AbCdEf01',
  to: '0x000000000000000000000000000000000000dEaD',
  flag: true,
  other: false,
  memo: 'hello',
};

function run(source: string, vals: Record<string, unknown> = values) {
  return compileCondition({ source, variables, scopeName: 'Withdraw' }).evaluate(vals);
}

describe('condition values', () => {
  it.each([
    // bigint edge cases
    ['big == 115792089237316195423570985008687907853269984665640564039457584007913129639935', true],
    ['big == 2 ** 0 or true', 'compile-error'],
    ['big - 1 < big', true],
    ['big / 2 * 2 + 1 == big', true],
    ['9007199254740993 == 9007199254740992 + 1', true], // 2^53 + 1: wrong with floats
    ['9007199254740993 != 9007199254740992', true],
    ['amount == 1_000e18', true],
    ['amount == 1000000000000000000000', true],
    ['amount == units("1000", 18)', true],
    ['units("1.5", 6) == 1.5e6', true],
    ['units("1.5", 6) == 1_500_000', true],
    ['0 - big / 2 - 1 + big / 2 + 1 == 0', true], // intermediate exactly -2^255 (int256 min)
    ['fee - 10 == -7', true],
    ['-fee * -fee == 9', true],
    ['delta < 0 and delta == -5', true],
    ['delta % 3 == -2', true], // sign follows the dividend, like Solidity
    ['delta / 2 == -2', true], // truncates toward zero
    ['7 / 2 == 3', true],
    // precedence and associativity
    ['1 + 2 * 3 == 7', true],
    ['(1 + 2) * 3 == 9', true],
    ['10 - 3 - 2 == 5', true], // left-associative
    ['100 / 10 / 5 == 2', true],
    ['2 * 3 % 4 == 2', true], // (2*3)%4
    ['-2 * 3 == -6', true],
    ['- (2 - 5) == 3', true],
    ['true or false and false', true], // and binds tighter than or
    ['(true or false) and false', false],
    ['not false and false', false], // not binds tighter than and
    ['not (false and false)', true],
    ['not amount > 1e30', true], // not binds looser than comparisons
    ['! amount > 1e30', true],
    ['flag && !other || false', true],
    ['false or false or true', true],
    ['1 < 2 == true', 'compile-error'],
    // addresses are compared case-insensitively
    ['user == 0xabcdef0123456789abcdef0123456789abcdef01', true],
    ['user == 0xABCDEF0123456789ABCDEF0123456789ABCDEF01', true],
    ['to != user', true],
    ['memo == "hello"', true],
    ["memo == 'hello'", true],
    ['memo != "Hello"', true],
    ['flag == true', true],
    ['flag != other', true],
  ] as const)('%s → %s', (source, expected) => {
    if (expected === 'compile-error') {
      expect(() => run(source)).toThrow(ExpressionError);
      return;
    }
    expect(run(source)).toEqual({ ok: true, value: expected });
  });
});

describe('evaluation errors do not throw and name the column', () => {
  it.each([
    ['amount / (fee - 3) > 0', 'column 8: division by zero'],
    ['amount % (fee - 3) > 0', 'column 8: modulo by zero'],
    ['big + 1 > 0', 'column 5: result above uint256 range'],
    ['big * 2 > 0', 'column 5: result above uint256 range'],
    ['0 - big / 2 - 2 < 0', 'column 13: result below int256 range'],
    ['0 - big < 0', 'column 3: result below int256 range'],
    ['-big < 0', 'column 1: result below int256 range'],
  ])('%s', (source, error) => {
    expect(run(source)).toEqual({ ok: false, error });
  });

  it('short-circuits, so a guard protects a division', () => {
    expect(run('fee != 3 and amount / (fee - 3) > 0')).toEqual({ ok: true, value: false });
    expect(run('fee == 3 or amount / (fee - 3) > 0')).toEqual({ ok: true, value: true });
  });

  it.each([
    ['undefined', { ...values, amount: undefined }, 'column 1: "amount" is not an integer (got undefined)'],
    ['absent', { fee: 1n }, 'column 1: "amount" is missing from the event'],
    ['a float', { ...values, amount: 1.5 }, 'column 1: "amount" is not an integer (got number)'],
    ['a string', { ...values, amount: '5' }, 'column 1: "amount" is not an integer (got string)'],
  ])('bad value: amount is %s', (_label, vals, error) => {
    expect(run('amount > 0', vals)).toEqual({ ok: false, error });
  });

  it('accepts safe JS integers for numbers', () => {
    expect(run('amount > 4', { ...values, amount: 5 })).toEqual({ ok: true, value: true });
  });
});

describe('compile errors name the column', () => {
  it.each([
    ['', 1, 'empty condition'],
    ['amout > 5', 1, 'unknown name "amout"; Withdraw has: amount, fee, big, delta, user, to, flag, other, memo'],
    ['amount > 5 and usr == to', 16, 'unknown name "usr"'],
    ['user > 5', 6, '">" needs a number on both sides, got an address on the left'],
    ['user == 5', 6, 'cannot compare an address with a number'],
    ['user == "0xabcdef0123456789abcdef0123456789abcdef01"', 6, 'write addresses without quotes'],
    ['amount and flag', 8, '"and" needs true/false on both sides, got a number on the left'],
    ['flag or 1', 6, '"or" needs true/false on both sides, got a number on the right'],
    ['not amount', 1, '"not" needs true/false, got a number'],
    ['-flag', 1, '"-" needs a number, got true/false'],
    ['amount + 1', 1, 'the condition must be true or false, but this is a number'],
    ['memo + 1 > 0', 6, '"+" needs a number on both sides, got a string on the left'],
    ['amount = 5', 8, '"=" is not an operator; use "=="'],
    ['flag & other', 6, '"&" is not an operator'],
    ['flag | other', 6, '"|" is not an operator'],
    ['amount > 5 #', 12, 'unexpected character "#"'],
    ['1 < amount < 3', 12, 'comparisons do not chain'],
    ['(amount > 5', 12, 'expected ")" to close "(" at column 1, got the end of the condition'],
    ['amount > 5)', 11, 'unexpected ")" after a complete expression'],
    ['amount > 5 flag', 12, 'unexpected "flag" after a complete expression; missing "and" or "or"?'],
    ['amount >', 9, 'expected a value'],
    ['and flag', 1, 'expected a value, got the operator "and"'],
    ['memo == "abc', 9, 'string starting here is never closed'],
    ['memo == "a\\n"', 11, 'unknown escape'],
    ['user == 0x1234', 9, 'hex literals must be 20-byte addresses'],
    ['amount > 12abc', 10, 'malformed number "12abc"'],
    ['amount > 1e', 10, 'malformed number'],
    ['amount > 1.55e1', 10, 'not a whole number of base units'],
    ['amount > 1e78', 10, 'larger than the largest uint256'],
    ['amount > 1e999999999', 10, 'larger than the largest uint256'],
    ['amount > units(5, 6)', 16, 'units() takes a quoted decimal amount first'],
    ['amount > units("5" 6)', 20, 'expected "," after the amount'],
    ['amount > units("5", x)', 21, "units() takes the token's decimals"],
    ['amount > units("5", 6', 22, 'expected ")" to close units( at column 10'],
    ['amount > units("1.2345", 2)', 16, 'more decimals than the token has'],
    ['amount > units("-1", 2)', 16, 'expected a decimal string'],
    ['amount.x > 1', 1, 'unknown name "amount.x"'],
    ['amount. > 1', 9, 'expected a field name after "."'],
    [`${'('.repeat(70)}flag${')'.repeat(70)}`, 65, 'nested more than 64 levels deep'],
    [`${'not '.repeat(70)}flag`, 257, 'nested more than 64 levels deep'],
    ['x'.repeat(2001), 2001, 'condition is longer than 2000 characters'],
  ])('%s', (source, column, message) => {
    let caught: unknown;
    try {
      compileCondition({ source, variables, scopeName: 'Withdraw' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ExpressionError);
    const error = caught as ExpressionError;
    expect(error.column).toBe(column);
    expect(error.message).toContain(`column ${column}: `);
    expect(error.message).toContain(message);
  });

  it('formats the message as in the config docs', () => {
    expect(() =>
      compileCondition({ source: 'amount > 5 and amout > 1', variables: { user: 'address', amount: 'bigint' }, scopeName: 'Withdraw' }),
    ).toThrow('column 16: unknown name "amout"; Withdraw has: user, amount');
  });
});

describe('scopes from ABI inputs', () => {
  const event = parseAbiItem(
    'event Order(address indexed maker, string indexed tag, uint256[] ids, (uint128 amount, address to) order, bytes32 salt, int24 tick, bool filled, string note)',
  ) as AbiEvent;
  const scope = scopeFromAbiInputs({ inputs: event.inputs, scopeName: 'Order' });

  it('maps types, flattens structs, explains what cannot be used', () => {
    expect(scope.variables).toEqual({
      maker: 'address',
      'order.amount': 'bigint',
      'order.to': 'address',
      salt: 'string',
      tick: 'bigint',
      filled: 'bool',
      note: 'string',
    });
    expect(Object.keys(scope.unsupported ?? {})).toEqual(['tag', 'ids']);
  });

  it('evaluates struct fields and reports misuse', () => {
    const condition = compileCondition({ ...scope, source: 'order.amount > 10 and order.to == maker and tick < 0' });
    const maker = '0x1111111111111111111111111111111111111111';
    expect(condition.evaluate({ maker, order: { amount: 11n, to: maker.toUpperCase().replace('0X', '0x') }, tick: -1n })).toEqual({
      ok: true,
      value: true,
    });
    expect(() => compileCondition({ ...scope, source: 'order > 1' })).toThrow('"order" is a struct; use one of its fields: order.amount, order.to');
    expect(() => compileCondition({ ...scope, source: 'tag == "x"' })).toThrow('indexed string, which the log only carries as a hash');
    expect(() => compileCondition({ ...scope, source: 'ids == 1' })).toThrow('uint256[] (arrays are not supported)');
    expect(() => compileCondition({ ...scope, source: 'amount > 1' })).toThrow(
      'unknown name "amount"; Order has: maker, order, salt, tick, filled, note, tag, ids',
    );
  });
});
