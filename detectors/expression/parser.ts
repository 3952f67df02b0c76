/**
 * Recursive-descent parser for conditions. Precedence, loosest first:
 *
 *   or / ||   <   and / &&   <   not / !   <   == != < <= > >= contains starts_with ends_with
 *   <   + -   <   * / %   <   unary -   <   ( ), names, lower(...), units(...), contract.function(...)
 *
 * Keywords (and, or, not, true, false, contains, starts_with, ends_with) are case-insensitive, so
 * OpenZeppelin Monitor's `AND` / `OR` read the same. Names take fields and indexes: `orders[0].amount`.
 *
 * Binary arithmetic and logic are left-associative; comparisons do not chain (`a < b < c` is an
 * error, because it almost never means what its author wanted). Nesting depth is capped so a
 * hostile or broken config gets an ExpressionError, never a stack overflow.
 */
import { AmountError, parseAmountLiteral, parseUnitsExact } from './amount.js';
import { ExpressionError, maxUint256, type BinaryOperator, type Node, type PathPart } from './ast.js';
import { tokenize, type Token } from './lexer.js';

/** Parentheses, `not` and unary `-` may nest this deep. */
export const maxNestingDepth = 64;

const comparisonOperators = new Set(['==', '!=', '<', '<=', '>', '>=']);
const wordOperators = new Set(['contains', 'starts_with', 'ends_with']);
const keywords = new Set(['and', 'or', 'not', 'true', 'false', ...wordOperators]);

/** Array indexes above this are surely typos (and keep the number exact as a JS number). */
const maxIndex = 2 ** 32;

/** Parses a condition into an AST. Throws ExpressionError (and nothing else) on bad input. */
export function parseCondition(source: string): Node {
  const tokens = tokenize(source);
  const parser = new Parser(tokens);
  if (tokens[0]!.kind === 'end') throw new ExpressionError(1, 'empty condition');
  const node = parser.parseOr();
  const next = parser.peek();
  if (next.kind !== 'end') {
    throw new ExpressionError(next.column, `unexpected ${describeToken(next)} after a complete expression; missing "and" or "or"?`);
  }
  return node;
}

class Parser {
  private position = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  peek(): Token {
    return this.tokens[this.position]!;
  }

  private advance(): Token {
    const token = this.tokens[this.position]!;
    if (token.kind !== 'end') this.position += 1;
    return token;
  }

  /** Consumes and returns the next token when it is one of the given operators or keywords (keywords in any case). */
  private accept(...texts: string[]): Token | undefined {
    const token = this.peek();
    if (token.kind === 'punct' && texts.includes(token.text)) return this.advance();
    if (token.kind === 'name' && texts.includes(token.text.toLowerCase())) return this.advance();
    return undefined;
  }

  private nest<T>(column: number, parse: () => T): T {
    if (this.depth >= maxNestingDepth) throw new ExpressionError(column, `nested more than ${maxNestingDepth} levels deep`);
    this.depth += 1;
    try {
      return parse();
    } finally {
      this.depth -= 1;
    }
  }

  parseOr(): Node {
    let left = this.parseAnd();
    for (let op = this.accept('or', '||'); op; op = this.accept('or', '||')) {
      left = { type: 'binary', operator: 'or', left, right: this.parseAnd(), column: op.column };
    }
    return left;
  }

  private parseAnd(): Node {
    let left = this.parseNot();
    for (let op = this.accept('and', '&&'); op; op = this.accept('and', '&&')) {
      left = { type: 'binary', operator: 'and', left, right: this.parseNot(), column: op.column };
    }
    return left;
  }

  private parseNot(): Node {
    const op = this.accept('not', '!');
    if (!op) return this.parseComparison();
    return this.nest(op.column, () => ({ type: 'unary', operator: 'not', operand: this.parseNot(), column: op.column }));
  }

  private parseComparison(): Node {
    const left = this.parseAdditive();
    const operator = comparisonOperator(this.peek());
    if (!operator) return left;
    const op = this.advance();
    const right = this.parseAdditive();
    const after = this.peek();
    const next = comparisonOperator(after);
    if (next) throw new ExpressionError(after.column, `comparisons do not chain; write "a ${operator} b and b ${next} c"`);
    return { type: 'binary', operator, left, right, column: op.column };
  }

  private parseAdditive(): Node {
    let left = this.parseMultiplicative();
    for (let op = this.accept('+', '-'); op; op = this.accept('+', '-')) {
      left = { type: 'binary', operator: op.text as BinaryOperator, left, right: this.parseMultiplicative(), column: op.column };
    }
    return left;
  }

  private parseMultiplicative(): Node {
    let left = this.parseUnary();
    for (let op = this.accept('*', '/', '%'); op; op = this.accept('*', '/', '%')) {
      left = { type: 'binary', operator: op.text as BinaryOperator, left, right: this.parseUnary(), column: op.column };
    }
    return left;
  }

  private parseUnary(): Node {
    const op = this.accept('-');
    if (!op) return this.parsePrimary();
    return this.nest(op.column, () => ({ type: 'unary', operator: '-', operand: this.parseUnary(), column: op.column }));
  }

  private parsePrimary(): Node {
    const token = this.peek();
    if (token.kind === 'punct' && token.text === '(') {
      this.advance();
      const inner = this.nest(token.column, () => this.parseOr());
      const close = this.peek();
      if (close.kind !== 'punct' || close.text !== ')') {
        throw new ExpressionError(close.column, `expected ")" to close "(" at column ${token.column}, got ${describeToken(close)}`);
      }
      this.advance();
      return inner;
    }
    if (token.kind === 'number') {
      this.advance();
      return { type: 'literal', valueType: 'bigint', value: numberValue(token), column: token.column, text: token.text };
    }
    if (token.kind === 'string') {
      this.advance();
      return { type: 'literal', valueType: 'string', value: token.text, column: token.column, text: token.text };
    }
    if (token.kind === 'address') {
      this.advance();
      return { type: 'literal', valueType: 'address', value: token.text.toLowerCase(), column: token.column, text: token.text };
    }
    if (token.kind === 'name') return this.parseName(token);
    throw new ExpressionError(token.column, `expected a value (a name, number, string, address, true/false or "("), got ${describeToken(token)}`);
  }

  private parseName(token: Token): Node {
    this.advance();
    const word = token.text.toLowerCase();
    if (word === 'true' || word === 'false') {
      return { type: 'literal', valueType: 'bool', value: word === 'true', column: token.column, text: token.text };
    }
    if (keywords.has(word)) {
      throw new ExpressionError(token.column, `expected a value, got the operator "${token.text}"`);
    }
    const next = this.peek();
    if (token.text === 'units' && next.kind === 'punct' && next.text === '(') return this.parseUnits(token);
    if (token.text === 'lower' && next.kind === 'punct' && next.text === '(') return this.parseLower(token);
    const path: PathPart[] = [token.text];
    for (let step = this.accept('.', '['); step; step = this.accept('.', '[')) {
      path.push(step.text === '.' ? this.parseField() : this.parseIndex(step));
    }
    const open = this.peek();
    if (open.kind === 'punct' && open.text === '(') return this.parseRead(token, path, open);
    return { type: 'name', path, column: token.column };
  }

  /** `contract.function(arg, ...)`, then optional output selection: `.answer`, `[1]`. */
  private parseRead(token: Token, path: PathPart[], open: Token): Node {
    if (path.length !== 2 || typeof path[1] !== 'string') {
      const written = path.map((part) => (typeof part === 'number' ? `[${part}]` : part)).join('.');
      throw new ExpressionError(open.column, `"${written}(" is not a call this language knows; read a contract as contract.function(args), e.g. vault.totalAssets()`);
    }
    this.advance(); // "("
    const args: Node[] = [];
    if (!this.accept(')')) {
      for (;;) {
        args.push(this.nest(open.column, () => this.parseOr()));
        if (this.accept(')')) break;
        const next = this.peek();
        if (!this.accept(',')) throw new ExpressionError(next.column, `expected "," or ")" in the arguments of ${path.join('.')}( at column ${token.column}, got ${describeToken(next)}`);
      }
    }
    const select: PathPart[] = [];
    for (let step = this.accept('.', '['); step; step = this.accept('.', '[')) {
      select.push(step.text === '.' ? this.parseField() : this.parseIndex(step));
    }
    return { type: 'read', contract: path[0] as string, functionName: path[1], args, select, column: token.column };
  }

  private parseField(): string {
    const field = this.peek();
    if (field.kind !== 'name') throw new ExpressionError(field.column, `expected a field name after ".", got ${describeToken(field)}`);
    return this.advance().text;
  }

  /** `[3]`: a plain whole number (no `_`, decimals or exponent), then `]`. */
  private parseIndex(open: Token): number {
    const index = this.advance();
    if (index.kind !== 'number' || !/^\d+$/.test(index.text) || Number(index.text) >= maxIndex) {
      throw new ExpressionError(index.column, `expected an array index (a whole number like 0) after "[", got ${describeToken(index)}`);
    }
    const close = this.advance();
    if (close.kind !== 'punct' || close.text !== ']') {
      throw new ExpressionError(close.column, `expected "]" to close "[" at column ${open.column}, got ${describeToken(close)}`);
    }
    return Number(index.text);
  }

  /** `lower(text)`: the text in lower case, e.g. `lower(symbol) == "usdc"`. */
  private parseLower(name: Token): Node {
    const open = this.advance(); // "("
    const argument = this.nest(open.column, () => this.parseOr());
    const close = this.advance();
    if (close.kind !== 'punct' || close.text !== ')') {
      throw new ExpressionError(close.column, `expected ")" to close lower( at column ${name.column}, got ${describeToken(close)}`);
    }
    return { type: 'call', name: 'lower', argument, column: name.column };
  }

  /** `units("1000.5", 6)`: an exact amount in base units of a token with 6 decimals. */
  private parseUnits(name: Token): Node {
    this.advance(); // "("
    const value = this.advance();
    if (value.kind !== 'string') {
      throw new ExpressionError(value.column, `units() takes a quoted decimal amount first, like units("1000.5", 6); got ${describeToken(value)}`);
    }
    const comma = this.advance();
    if (comma.kind !== 'punct' || comma.text !== ',') {
      throw new ExpressionError(comma.column, `expected "," after the amount in units(), got ${describeToken(comma)}`);
    }
    const decimals = this.advance();
    if (decimals.kind !== 'number' || !/^\d{1,2}$/.test(decimals.text) || Number(decimals.text) > 77) {
      throw new ExpressionError(decimals.column, `units() takes the token's decimals (0 to 77) second; got ${describeToken(decimals)}`);
    }
    const close = this.advance();
    if (close.kind !== 'punct' || close.text !== ')') {
      throw new ExpressionError(close.column, `expected ")" to close units( at column ${name.column}, got ${describeToken(close)}`);
    }
    let amount: bigint;
    try {
      amount = parseUnitsExact(value.text, Number(decimals.text));
    } catch (error) {
      throw new ExpressionError(value.column, error instanceof AmountError ? error.message : 'invalid units() amount');
    }
    return { type: 'literal', valueType: 'bigint', value: checkRange(amount, name.column), column: name.column, text: 'units(...)' };
  }
}

/** The comparison operator a token stands for (`CONTAINS` reads as `contains`), if any. */
function comparisonOperator(token: Token): BinaryOperator | undefined {
  if (token.kind === 'punct' && comparisonOperators.has(token.text)) return token.text as BinaryOperator;
  if (token.kind === 'name' && wordOperators.has(token.text.toLowerCase())) return token.text.toLowerCase() as BinaryOperator;
  return undefined;
}

function numberValue(token: Token): bigint {
  // An exponent beyond 78 cannot fit uint256; refuse before building a huge string.
  const exponent = /[eE](\d+)$/.exec(token.text);
  if (exponent && exponent[1]!.replace(/^0+/, '').length > 2) throw outOfRange(token.column);
  try {
    return checkRange(parseAmountLiteral(token.text), token.column);
  } catch (error) {
    if (error instanceof ExpressionError) throw error;
    throw new ExpressionError(token.column, error instanceof AmountError ? error.message : `invalid number ${token.text}`);
  }
}

function checkRange(value: bigint, column: number): bigint {
  if (value > maxUint256) throw outOfRange(column);
  return value;
}

function outOfRange(column: number): ExpressionError {
  return new ExpressionError(column, 'number is larger than the largest uint256 (2^256 - 1)');
}

function describeToken(token: Token): string {
  if (token.kind === 'end') return 'the end of the condition';
  if (token.kind === 'string') return `the string ${JSON.stringify(token.text)}`;
  return `"${token.text}"`;
}
