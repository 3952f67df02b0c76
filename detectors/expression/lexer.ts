/**
 * Splits a condition into tokens, each with its 1-based column. Numbers stay text here (the parser
 * turns them into exact bigints with parseAmountLiteral); address literals are recognised here so
 * that `0x12` (a typo) is an error at its column instead of a confusing parse error later.
 */
import { ExpressionError } from './ast.js';

export type TokenKind = 'number' | 'string' | 'address' | 'name' | 'punct' | 'end';

export interface Token {
  kind: TokenKind;
  /** Source text, except for strings: their unescaped content. */
  text: string;
  column: number;
}

/** Longest first, so `<=` wins over `<`. */
const punctuation = ['||', '&&', '==', '!=', '<=', '>=', '<', '>', '!', '+', '-', '*', '/', '%', '(', ')', ',', '.', '[', ']'];

const nameStart = /[A-Za-z_$]/;
const namePart = /[A-Za-z0-9_$]/;
const numberPattern = /^\d[\d_]*(?:\.\d[\d_]*)?(?:[eE]\d+)?/;

/** Conditions are one-liners; the cap keeps parsing and evaluation far from any stack limit. */
export const maxSourceLength = 2000;

/** Tokenizes `source`; the last token is always `end`. Throws ExpressionError. */
export function tokenize(source: string): Token[] {
  if (source.length > maxSourceLength) {
    throw new ExpressionError(maxSourceLength + 1, `condition is longer than ${maxSourceLength} characters`);
  }
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const char = source[index]!;
    const column = index + 1;
    if (/\s/.test(char)) {
      index += 1;
    } else if (char === '"' || char === "'") {
      const { text, end } = readString(source, index);
      tokens.push({ kind: 'string', text, column });
      index = end;
    } else if (/\d/.test(char)) {
      const token = readNumberOrAddress(source, index);
      tokens.push(token);
      index += token.text.length;
    } else if (nameStart.test(char)) {
      let end = index + 1;
      while (end < source.length && namePart.test(source[end]!)) end += 1;
      tokens.push({ kind: 'name', text: source.slice(index, end), column });
      index = end;
    } else {
      const punct = punctuation.find((p) => source.startsWith(p, index));
      if (!punct) throw new ExpressionError(column, unexpectedCharacter(char));
      tokens.push({ kind: 'punct', text: punct, column });
      index += punct.length;
    }
  }
  tokens.push({ kind: 'end', text: '', column: source.length + 1 });
  return tokens;
}

function unexpectedCharacter(char: string): string {
  if (char === '=') return '"=" is not an operator; use "==" to compare';
  if (char === '&') return '"&" is not an operator; use "and" (or "&&")';
  if (char === '|') return '"|" is not an operator; use "or" (or "||")';
  return `unexpected character ${JSON.stringify(char)}`;
}

/** Reads a quoted string with `\"`, `\'` and `\\` escapes; returns the content and the index after the quote. */
function readString(source: string, start: number): { text: string; end: number } {
  const quote = source[start]!;
  let text = '';
  let index = start + 1;
  while (index < source.length) {
    const char = source[index]!;
    if (char === quote) return { text, end: index + 1 };
    if (char === '\\') {
      const next = source[index + 1];
      if (next !== quote && next !== '\\') {
        throw new ExpressionError(index + 1, `unknown escape "\\${next ?? ''}" in a string (only \\${quote} and \\\\)`);
      }
      text += next;
      index += 2;
    } else {
      text += char;
      index += 1;
    }
  }
  throw new ExpressionError(start + 1, `string starting here is never closed (missing ${quote})`);
}

function readNumberOrAddress(source: string, start: number): Token {
  const column = start + 1;
  if (source[start] === '0' && (source[start + 1] === 'x' || source[start + 1] === 'X')) {
    let end = start + 2;
    while (end < source.length && /[0-9a-fA-F]/.test(source[end]!)) end += 1;
    const digits = end - start - 2;
    if (digits !== 40 || (end < source.length && namePart.test(source[end]!))) {
      throw new ExpressionError(
        column,
        `hex literals must be 20-byte addresses (0x and 40 hex digits); got ${JSON.stringify(source.slice(start, wordEnd(source, end)))}`,
      );
    }
    return { kind: 'address', text: source.slice(start, end), column };
  }
  const match = numberPattern.exec(source.slice(start))!;
  const end = start + match[0].length;
  if (end < source.length && namePart.test(source[end]!)) {
    throw new ExpressionError(
      column,
      `malformed number ${JSON.stringify(source.slice(start, wordEnd(source, end)))}; write amounts like 1_000e18 or 1.5e6`,
    );
  }
  return { kind: 'number', text: match[0], column };
}

function wordEnd(source: string, from: number): number {
  let end = from;
  while (end < source.length && namePart.test(source[end]!)) end += 1;
  return end;
}
