/**
 * OpenZeppelin Monitor expressions, translated and evaluated by warden, give what OZ Monitor's EVM
 * evaluator gives (src/services/filter/filters/evm/evaluator.rs): integers exact in 256 bits with
 * decimal, quoted or 0x-hex literals; addresses ignoring case and 0x; text ignoring case; AND binding
 * tighter than OR. What OZ Monitor rejected at run time (and so never matched) is not converted.
 */
import { describe, expect, it } from 'vitest';
import { parseAbiItem, type AbiEvent } from 'viem';
import { compileCondition, scopeFromAbiInputs } from '../../../detectors/expression/index.js';
import { translateOzExpression } from './expression-translate.js';

const event = parseAbiItem(
  'event Sample(address indexed from, address to, uint256 value, int256 delta, bool flag, string memo, bytes data, bytes32 salt, uint256[] ids, (uint256 amount, address to) order, address[] holders, string indexed tag)',
) as AbiEvent;
const alice = '0xa11Ce00000000000000000000000000000000a11';
const bob = '0x0000000000000000000000000000000000000b0b';
/** Decoded as viem decodes a log. */
const args = {
  from: alice,
  to: bob,
  value: 10n ** 24n,
  delta: -5n,
  flag: true,
  memo: 'Emergency Withdrawal',
  data: '0xa9059cbb000000000000000000000000000000000000000000000000000000000000002a',
  salt: `0x${'0'.repeat(62)}ab`,
  ids: [10n, 20n, 30n],
  order: { amount: 1000n, to: bob },
  holders: [alice, bob],
  tag: `0x${'1'.repeat(64)}`,
};

function translateAndRun(source: string): boolean | string {
  const result = translateOzExpression({ source, event });
  if (!result.ok) return 'not converted';
  const condition = compileCondition({ source: result.where, ...scopeFromAbiInputs({ inputs: event.inputs }) });
  const outcome = condition.evaluate(args);
  if (!outcome.ok) throw new Error(`${result.where}: ${outcome.error}`);
  return outcome.value;
}

describe('OZ Monitor expressions evaluate as OZ Monitor evaluates them', () => {
  it.each([
    // integers: exact, any literal form OZ Monitor reads
    ['value > 1000000000000000000000', true],
    ['value == 1000000000000000000000000', true],
    [`value == 0x${(10n ** 24n).toString(16).toUpperCase()}`, true],
    ["value < '1000000000000000000000001'", true],
    ['value != 999999999999999999999999', true],
    ['value > 1.5', 'not converted'],
    ['value > -1', 'not converted'],
    ["value > 'lots'", 'not converted'],
    ['value > true', 'not converted'],
    [`value > 0x1${'0'.repeat(64)}`, 'not converted'],
    ['delta < 0 AND delta >= -5', true],
    [`delta == 0x${'f'.repeat(63)}b`, true], // two's complement, as string_to_i256
    // addresses: ignoring case and the 0x prefix; quoted or bare hex
    ["from == '0xA11CE00000000000000000000000000000000A11'", true],
    ["from != 'a11ce00000000000000000000000000000000a11'", false],
    ['to == 0x0000000000000000000000000000000000000B0B', true],
    ["to == 'bob'", 'not converted'],
    ["to > '0x0000000000000000000000000000000000000b0b'", 'not converted'],
    ['from == 5', 'not converted'],
    // booleans
    ['flag == TRUE', true],
    ['flag != false', true],
    ["flag == 'true'", 'not converted'],
    // text: every operator ignores case
    ["memo == 'emergency withdrawal'", true],
    ["memo != 'EMERGENCY WITHDRAWAL'", false],
    ["memo contains 'WITHDRAW'", true],
    ["memo starts_with 'emerg' AND memo ends_with 'AWAL'", true],
    ['memo == Emergency', false], // a bare word is text
    ["memo == 'it\\'s'", false],
    ["memo > 'a'", 'not converted'],
    ['memo == 5', 'not converted'],
    ["data starts_with '0xA9059CBB'", true],
    [`salt == '0x${'0'.repeat(62)}AB'`, true],
    ["tag == 'x'", 'not converted'], // indexed string: the log holds its hash
    // arrays and structs
    ['ids[1] == 20', true],
    ["ids contains '30'", true],
    ['ids contains 31', false],
    ["ids == '[10,20,30]'", 'not converted'],
    ["order.amount > 999 and order.to == '0x0000000000000000000000000000000000000b0b'", true],
    ["order contains 'x'", 'not converted'],
    ['order.nope == 1', 'not converted'],
    ["holders contains '0xA11CE00000000000000000000000000000000A11'", true],
    // names, precedence, syntax
    ['nosuch > 1', 'not converted'],
    ['0 > 1', 'not converted'],
    ["value > 1 OR (memo == 'x' AND flag == false)", true],
    ["(value > 1 OR memo == 'x') AND flag == false", false],
    ["value > 1 or memo == 'x' and flag == false", true],
    ['value > 1e18', 'not converted'],
    ['value = 5', 'not converted'],
    ['value > 1 AND', 'not converted'],
    ["order == (1000, '0x0')", 'not converted'],
  ] as const)('%s → %s', (source, expected) => {
    expect(translateAndRun(source)).toBe(expected);
  });

  it('an index past the end of a dynamic array is a data error in both tools: no match', () => {
    const result = translateOzExpression({ source: 'ids[0] == 10 AND ids[5] == 1', event });
    expect(result).toMatchObject({ ok: true, where: 'ids[0] == 10 and ids[5] == 1' });
    const where = result.ok ? result.where : '';
    const outcome = compileCondition({ source: where, ...scopeFromAbiInputs({ inputs: event.inputs }) }).evaluate(args);
    expect(outcome).toEqual({ ok: false, error: 'column 18: "ids[5]" is out of range (the array has 3 elements)' });
  });
});

describe('what the translation writes', () => {
  it.each([
    ['value > 10000000000', 'value > 10000000000'],
    ["from == '0xa11ce00000000000000000000000000000000a11' AND to != 0x0000000000000000000000000000000000000B0B", 'from == 0xa11Ce00000000000000000000000000000000a11 and to != 0x0000000000000000000000000000000000000B0b'],
    ["memo == 'Alice \"A\"' OR memo contains 'Bob'", 'lower(memo) == "alice \\"a\\"" or memo contains "Bob"'],
    ["(value > 1 OR flag == true) AND memo ends_with 'x'", '(value > 1 or flag == true) and memo ends_with "x"'],
    ["value > 1 AND (flag == true AND memo == 'x')", 'value > 1 and flag == true and lower(memo) == "x"'],
    ['ids contains 7 or order.amount >= 0x3e8', 'ids contains 7 or order.amount >= 1000'],
  ])('%s', (source, where) => {
    expect(translateOzExpression({ source, event })).toMatchObject({ ok: true, where });
  });

  it('notes where OZ Monitor could not evaluate what warden now evaluates', () => {
    const result = translateOzExpression({ source: "holders contains '0xA11CE00000000000000000000000000000000A11' AND order.amount > 1", event });
    expect(result.ok && result.notes).toEqual([
      expect.stringContaining('renders holders (a address[], as text "[a,b,…]" that is not JSON)'),
      expect.stringContaining('renders order (a struct, as text "(a,b,…)")'),
    ]);
    expect(translateOzExpression({ source: 'ids[0] == 10', event })).toMatchObject({ ok: true, notes: [] });
  });

  it.each([
    ['value > 1.5', 9, '"1.5" is not a whole number'],
    ['value > 1 AND nosuch == 2', 15, 'no parameter "nosuch" in Sample('],
    ['0 == 1', 1, 'numbers like 0 name Stellar event parameters'],
    ["value > 1 AND to > 'x'", 18, 'does not take ">" for an address (to)'],
    ['value > 1e18', 9, 'not a value OpenZeppelin Monitor reads'],
    ['value = 5', 7, '"=" is not an operator, use "=="'],
    ["(value > 1 OR memo == 'x'", 26, 'expected ")" to close "(" at column 1'],
    ["memo == 'open", 9, 'never closed'],
    ['ids[1].x == 1', 1, 'is a uint256, not a struct'],
    ["tag == 'x'", 1, 'indexed string: the log carries only its hash'],
  ])('%s fails at column %i', (source, column, reason) => {
    const result = translateOzExpression({ source, event });
    expect(result).toMatchObject({ ok: false, column });
    expect(result.ok ? '' : result.reason).toContain(reason);
  });
});
