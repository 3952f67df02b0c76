/**
 * Config of the detector kinds that work from state reads: `invariant`, `outflow-rate`,
 * `oracle-deviation`, and `custom` (a TypeScript module of the user's). Expressions and module
 * exports are checked against the ABIs when the detectors are built (detectors/index.ts); here only
 * the shape and the value ranges.
 */
import { z } from 'zod';
import { detectorBase } from './schema-detector-base.js';
import { amount, duration, identifier, percent, positiveInt } from './schema-values.js';

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

export const outflowRateDetector = z
  .object({
    ...detectorBase,
    kind: z.literal('outflow-rate').describe('ERC-7265-style: the net outflow of an ERC20 token from a set of contracts within a sliding window exceeds a share of their holdings, or an amount.'),
    params: z
      .object({
        token: identifier.meta({ description: 'Name of the ERC20 contract whose Transfer logs and balances are followed (ETH is not supported: it emits no logs).', examples: ['usdc'] }),
        contracts: z.array(identifier).min(1, 'expected at least one contract name').meta({
          description: 'Contracts whose combined holdings are watched; transfers between them are internal and do not count.',
          examples: [['vault', 'strategy']],
        }),
        windowBlocks: positiveInt.max(10_000, 'expected at most 10000 blocks').optional().meta({ description: 'Window length in blocks (set this or windowSeconds).', examples: [50] }),
        windowSeconds: duration
          .refine((seconds) => seconds > 0 && seconds <= 86_400, 'expected a window of more than 0 s and at most 24h')
          .optional()
          .meta({ description: 'Window length in seconds of block time, or "10m", "1h" (set this or windowBlocks).', examples: ['1h'] }),
        maxOutflowPercent: percent.optional().meta({
          description: 'Raise when the net outflow within the window exceeds this percentage of the holdings at the window start.',
          examples: [20],
        }),
        maxOutflow: amount.optional().meta({ description: 'Raise when the net outflow within the window exceeds this amount (base units).', examples: ['units("1000000", 6)'] }),
      })
      .strict()
      .refine((p) => (p.windowBlocks === undefined) !== (p.windowSeconds === undefined), { message: 'set exactly one of windowBlocks and windowSeconds' })
      .refine((p) => p.maxOutflowPercent !== undefined || p.maxOutflow !== undefined, { message: 'set maxOutflowPercent, maxOutflow, or both' }),
  })
  .strict();

const decimals = z.number().int('expected a whole number of decimals').min(0, 'expected 0 to 36 decimals').max(36, 'expected 0 to 36 decimals');
const deviationPercent = z.number().gt(0, 'expected a percentage > 0').max(10_000, 'expected a percentage of at most 10000');

export const oracleDeviationDetector = z
  .object({
    ...detectorBase,
    kind: z.literal('oracle-deviation').describe('A price read deviates from a reference read by more than a percentage, or moves more than a percentage within one block.'),
    params: z
      .object({
        price: z.string().min(1, 'expected a number expression').meta({
          description: 'The watched price: a number expression over contract reads (a Chainlink-style feed, or any view function returning a number).',
          examples: ['feed.latestRoundData().answer'],
        }),
        priceDecimals: decimals.optional().meta({ description: 'Decimals of the price value (Chainlink USD feeds: 8). Required with a reference; default 18.', examples: [8] }),
        reference: z.string().min(1, 'expected a number expression').optional().meta({
          description: 'What the price should agree with: another oracle, or a pool\'s reserves ratio.',
          examples: ['pool.reserve1() * 1e18 / pool.reserve0()', 'backupFeed.latestRoundData().answer'],
        }),
        referenceDecimals: decimals.optional().meta({ description: 'Decimals of the reference value. Required with a reference.', examples: [18] }),
        maxDeviationPercent: deviationPercent.optional().meta({
          description: 'Raise when |price - reference| / reference exceeds this percentage (once; again after it came back within bounds).',
          examples: [5],
        }),
        maxMovePercent: deviationPercent.optional().meta({ description: 'Raise when the price moves more than this percentage from the previous block\'s price.', examples: [10] }),
      })
      .strict()
      .refine((p) => p.maxDeviationPercent !== undefined || p.maxMovePercent !== undefined, { message: 'set maxDeviationPercent (with a reference), maxMovePercent, or both' })
      .refine((p) => p.reference === undefined || (p.priceDecimals !== undefined && p.referenceDecimals !== undefined), {
        message: 'with a reference, set priceDecimals and referenceDecimals (e.g. 8 for a Chainlink USD feed, 18 for an expression scaled by 1e18) so both sides compare at the same scale',
      }),
  })
  .strict();

export const customDetector = z
  .object({
    ...detectorBase,
    kind: z.literal('custom').describe('Your own TypeScript detector: a module exporting defineDetector({ reads, onBlock, ... }) (see detectors/custom-template.ts).'),
    module: z.string().min(1, 'expected a path to a .ts module').meta({
      description: 'Path of the module, relative to this config file; it must `export default defineDetector({...})`.',
      examples: ['../detectors/custom-template.ts'],
    }),
    contracts: z.array(identifier).min(1, 'expected at least one contract name').meta({
      description: 'Contracts the detector works on: their logs reach it, and it receives their addresses and ABIs. All on one chain.',
      examples: [['vault']],
    }),
    params: z.record(z.string(), z.unknown()).default({}).meta({
      description: "The module's own parameters, checked by the zod schema it declares (defineDetector({ params })).",
      examples: [{ event: 'Withdraw', maxEvents: 20, windowBlocks: 10 }],
    }),
  })
  .strict();
