/**
 * Config of the detector kinds that work from state reads: `invariant`, `outflow-rate`,
 * `oracle-deviation`, and `custom` (a TypeScript module of the user's). Expressions and module
 * exports are checked against the ABIs when the detectors are built (detectors/index.ts); here only
 * the shape and the value ranges.
 */
import { z } from 'zod';
import { detectorBase } from './schema-detector-base.js';
import { positiveInt } from './schema-values.js';

export const invariantDetector = z
  .object({
    ...detectorBase,
    kind: z.literal('invariant').describe('A condition over view-call reads of contracts that must always hold; raises when it becomes false.'),
    params: z
      .object({
        expression: z.string().min(1, 'expected a condition').meta({
          description:
            'Condition that must hold, over reads written contract.function(args): arguments are literals or contract names (their address); pick one output of a multi-value function with .name or [i]. Exact integer arithmetic (divide last).',
          examples: ['vault.totalAssets() >= vault.totalSupply() * 99 / 100', 'token.balanceOf(pool) >= pool.reserve0()'],
        }),
        everyBlocks: positiveInt.max(100_000, 'expected at most 100000 blocks').default(1).meta({
          description: 'Check on blocks whose number is a multiple of this; 1 checks every block.',
          examples: [1, 10],
        }),
        raiseAfterFailedChecks: positiveInt.optional().meta({
          description:
            'Raise one anomaly after this many consecutive checks could not be evaluated (a read reverted, or division by zero). Omit to only log them: a failed check is never a violation.',
          examples: [20],
        }),
      })
      .strict(),
  })
  .strict();
