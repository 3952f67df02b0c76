/**
 * Parses an OpenZeppelin Monitor match expression as OZ Monitor reads it, with 1-based columns:
 *
 *   condition  := path operator value          e.g. value > 10000000000, from == '0xA0b8…'
 *   path       := name ('.' key | '[' index ']')*
 *   operator   := == != > >= < <= contains starts_with ends_with   (words in any case)
 *   value      := 'quoted' | "quoted" | number (digits, optional .digits) | 0x-hex (a string)
 *                 | true / false (any case) | a bare word (an unquoted string)
 *   expression := condition, parentheses, AND / OR in any case (AND binds tighter)
 *
 * The left side is always a parameter and the right side always a literal: OZ Monitor has no
 * arithmetic. Typing (what a literal means next to a uint256 or an address) is translate-expression's job.
 */

export type OzOperator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'contains' | 'starts_with' | 'ends_with';

export type OzLiteral =
  /** Quoted text, a 0x-hex literal (OZ treats it as text) or a bare word. */
  | { kind: 'string'; text: string; quoted: boolean; column: number }
  | { kind: 'number'; text: string; column: number }
  | { kind: 'bool'; value: boolean; column: number };

export type OzAccessor = { kind: 'key'; name: string } | { kind: 'index'; index: number };

export type OzExpression =
  | { type: 'logical'; operator: 'and' | 'or'; left: OzExpression; right: OzExpression }
  | {
      type: 'condition';
      base: string;
      accessors: OzAccessor[];
      column: number;
      operator: OzOperator;
      operatorColumn: number;
      value: OzLiteral;
    };

/** A syntax error; `message` starts with `column N: `. */
export class OzExpressionError extends Error {
  override name = 'OzExpressionError';
  constructor(
    readonly column: number,
    readonly reason: string,
  ) {
    super(`column ${column}: ${reason}`);
  }
}

const wordOperators = ['contains', 'starts_with', 'ends_with'] as const;
const symbolOperators = ['==', '!=', '>=', '<=', '>', '<'] as const;
const keywords = new Set(['and', 'or', 'true', 'false', ...wordOperators]);
const maxDepth = 64;

/** Parses `source`; throws OzExpressionError naming the column. */
export function parseOzExpression(source: string): OzExpression {
  const parser = new Parser(source);
  parser.skipSpace();
  if (parser.atEnd()) throw new OzExpressionError(1, 'empty expression: OpenZeppelin Monitor rejects it, so it never matched; write a condition, or null to match every such event');
  const expression = parser.parseOr();
  parser.skipSpace();
  if (!parser.atEnd()) throw new OzExpressionError(parser.column(), `unexpected ${parser.describeHere()} after a complete condition; missing AND or OR?`);
  return expression;
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly source: string) {}

  column(): number {
    return this.index + 1;
  }

  atEnd(): boolean {
    return this.index >= this.source.length;
  }

  skipSpace(): void {
    while (!this.atEnd() && /\s/.test(this.source[this.index]!)) this.index += 1;
  }

  describeHere(): string {
    if (this.atEnd()) return 'the end of the expression';
    const word = /^[A-Za-z0-9_]+/.exec(this.source.slice(this.index));
    return JSON.stringify(word ? word[0] : this.source[this.index]);
  }

  /** Consumes `word` (any case) when it stands alone here. */
  private acceptWord(word: string): boolean {
    const text = this.source.slice(this.index, this.index + word.length);
    const after = this.source[this.index + word.length];
    if (text.toLowerCase() !== word || (after !== undefined && /[A-Za-z0-9_]/.test(after))) return false;
    this.index += word.length;
    return true;
  }

  parseOr(): OzExpression {
    let left = this.parseAnd();
    for (;;) {
      this.skipSpace();
      if (!this.acceptWord('or')) return left;
      left = { type: 'logical', operator: 'or', left, right: this.parseAnd() };
    }
  }

  private parseAnd(): OzExpression {
    let left = this.parsePrimary();
    for (;;) {
      this.skipSpace();
      if (!this.acceptWord('and')) return left;
      left = { type: 'logical', operator: 'and', left, right: this.parsePrimary() };
    }
  }

  private parsePrimary(): OzExpression {
    this.skipSpace();
    if (this.source[this.index] !== '(') return this.parseCondition();
    const open = this.column();
    if (this.depth >= maxDepth) throw new OzExpressionError(open, `nested more than ${maxDepth} levels deep`);
    this.index += 1;
    this.depth += 1;
    const inner = this.parseOr();
    this.depth -= 1;
    this.skipSpace();
    if (this.source[this.index] !== ')') throw new OzExpressionError(this.column(), `expected ")" to close "(" at column ${open}, got ${this.describeHere()}`);
    this.index += 1;
    return inner;
  }

  private parseCondition(): OzExpression {
    const column = this.column();
    const base = this.readWord();
    if (!base || keywords.has(base.toLowerCase())) {
      throw new OzExpressionError(column, `expected a parameter name, got ${base ? JSON.stringify(base) : this.describeHere()}`);
    }
    const accessors: OzAccessor[] = [];
    for (;;) {
      const char = this.source[this.index];
      if (char === '.') {
        this.index += 1;
        const key = this.readWord();
        if (!key) throw new OzExpressionError(this.column(), `expected a key after ".", got ${this.describeHere()}`);
        accessors.push({ kind: 'key', name: key });
      } else if (char === '[') {
        const open = this.column();
        this.index += 1;
        const digits = /^\d+/.exec(this.source.slice(this.index));
        if (!digits) throw new OzExpressionError(this.column(), `expected an index (a whole number) after "[", got ${this.describeHere()}`);
        this.index += digits[0].length;
        if (this.source[this.index] !== ']') throw new OzExpressionError(this.column(), `expected "]" to close "[" at column ${open}`);
        this.index += 1;
        accessors.push({ kind: 'index', index: Number(digits[0]) });
      } else break;
    }
    this.skipSpace();
    const operatorColumn = this.column();
    const operator = this.readOperator();
    this.skipSpace();
    return { type: 'condition', base, accessors, column, operator, operatorColumn, value: this.readValue() };
  }

  private readWord(): string {
    const word = /^[A-Za-z0-9_]+/.exec(this.source.slice(this.index));
    if (!word) return '';
    this.index += word[0].length;
    return word[0];
  }

  private readOperator(): OzOperator {
    const symbol = symbolOperators.find((op) => this.source.startsWith(op, this.index));
    if (symbol) {
      this.index += symbol.length;
      return symbol;
    }
    const word = wordOperators.find((op) => this.acceptWord(op));
    if (word) return word;
    const hint = this.source[this.index] === '=' ? '; "=" is not an operator, use "=="' : '';
    throw new OzExpressionError(this.column(), `expected an operator (== != > >= < <= contains starts_with ends_with), got ${this.describeHere()}${hint}`);
  }

  private readValue(): OzLiteral {
    const column = this.column();
    const char = this.source[this.index];
    if (char === "'" || char === '"') return { kind: 'string', text: this.readQuoted(char), quoted: true, column };
    if (char === '(') throw new OzExpressionError(column, 'tuple literals like (1, "a") are not converted; compare the struct\'s fields one by one instead');
    const rest = this.source.slice(this.index);
    const hex = /^0[xX][0-9a-fA-F]*/.exec(rest);
    const number = /^-?\d+(\.\d+)?/.exec(rest);
    const token = hex ?? number ?? /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (!token) throw new OzExpressionError(column, `expected a value (a quoted string, number, true/false), got ${this.describeHere()}`);
    const after = rest[token[0].length];
    if (after !== undefined && /[A-Za-z0-9_.]/.test(after)) {
      throw new OzExpressionError(column, `${JSON.stringify(/^\S+/.exec(rest)![0])} is not a value OpenZeppelin Monitor reads; write numbers as plain digits (1000000000000000000, not 1e18 or 1_000) and quote text`);
    }
    this.index += token[0].length;
    if (hex) return { kind: 'string', text: token[0], quoted: false, column };
    if (number) return { kind: 'number', text: token[0], column };
    const word = token[0].toLowerCase();
    if (word === 'true' || word === 'false') return { kind: 'bool', value: word === 'true', column };
    if (keywords.has(word)) throw new OzExpressionError(column, `expected a value, got the keyword ${JSON.stringify(token[0])}`);
    return { kind: 'string', text: token[0], quoted: false, column };
  }

  /** A quoted string with `\'`, `\"` and `\\` escapes; any other backslash stays as written. */
  private readQuoted(quote: string): string {
    const start = this.column();
    let text = '';
    this.index += 1;
    while (!this.atEnd()) {
      const char = this.source[this.index]!;
      if (char === quote) {
        this.index += 1;
        return text;
      }
      const next = this.source[this.index + 1];
      if (char === '\\' && (next === quote || next === '\\')) {
        text += next;
        this.index += 2;
      } else {
        text += char;
        this.index += 1;
      }
    }
    throw new OzExpressionError(start, `string starting here is never closed (missing ${quote})`);
  }
}
