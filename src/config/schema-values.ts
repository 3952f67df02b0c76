/**
 * The value types configs are written in: names, addresses, urls, durations, amounts. Their messages
 * read "expected ..." so the loader can append ", got <value>".
 */
import { z } from 'zod';
import { AmountError, amountExamples, parseAmount } from '../../detectors/expression/amount.js';

export const identifier = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'expected a name of letters, digits, "_" or "-", starting with a letter');

export const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 0x-prefixed 20-byte hex address')
  .meta({ description: 'Contract address (any checksum case).', examples: ['0x5FbDB2315678afecb367f032d93F642f64180aa3'] });

export const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });
export const wsUrl = z.url({ protocol: /^wss?$/, error: 'expected a ws:// or wss:// URL' });

const durationMessage = 'expected a duration like 30s, 10m or 2h, or a number of seconds';

/** Seconds as a number, or a string like "30s", "10m", "2h". */
export const duration = z
  .union([z.number().nonnegative(durationMessage), z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h)$/, durationMessage)], {
    error: durationMessage,
  })
  .transform((value) => (typeof value === 'number' ? value : durationSeconds(value)))
  .describe('Seconds, or a string like "30s", "10m", "2h".');

function durationSeconds(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(text)!;
  const factor = { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * factor;
}

const amountMessage = `expected ${amountExamples}`;

/**
 * An amount in base units: `1_000e18`, `units("1000", 6)`, or a plain integer. Parsed to an exact bigint.
 * The message carries no value: the loader appends `, got "-5"` to every issue the same way.
 */
export const amount = z
  .union([z.string(), z.number()], { error: amountMessage })
  .transform((value, ctx) => {
    try {
      const parsed = parseAmount(value);
      if (parsed <= 0n) throw new AmountError('zero');
      return parsed;
    } catch {
      ctx.addIssue({ code: 'custom', message: amountMessage });
      return z.NEVER;
    }
  })
  .describe(`An amount in base units: ${amountExamples}. Quote it in YAML.`);

export const percent = z.number().gt(0, 'expected a percentage, 0 < p <= 100').max(100, 'expected a percentage, 0 < p <= 100');

export const positiveInt = z.number().int('expected a whole number').positive('expected a whole number > 0');
