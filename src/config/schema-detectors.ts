/**
 * The detector kinds' config: one strict object per kind, discriminated by `kind`. Kind-specific
 * checks that need the ABI (event names, `where` expressions) live in detectors/index.ts.
 */
import { z } from 'zod';
import { detectorBase } from './schema-detector-base.js';
import { customDetector, invariantDetector, oracleDeviationDetector, outflowRateDetector } from './schema-detectors-reads.js';
import { address, amount, identifier, percent, positiveInt } from './schema-values.js';

const eventDetector = z
  .object({
    ...detectorBase,
    kind: z.literal('event').describe('Matches an event on given contracts, with an optional condition over its arguments.'),
    params: z
      .object({
        contracts: z.array(identifier).min(1, 'expected at least one contract name').meta({
          description: 'Contract names whose events are matched.',
          examples: [['pool']],
        }),
        event: z.string().min(1, 'expected an event name').meta({ description: 'Event name in the contracts\' ABI.', examples: ['Withdraw'] }),
        where: z.string().min(1, 'expected a condition').optional().meta({
          description: 'Condition over the event arguments; omit to match every event. Comparisons, and/or/not (any case), parentheses, arithmetic, contains/starts_with/ends_with, [i] indexes; exact on uint256.',
          examples: ['amount >= 50_000e18 and to != account'],
        }),
      })
      .strict(),
  })
  .strict();

const balanceDropDetector = z
  .object({
    ...detectorBase,
    kind: z.literal('balance-drop').describe('A contract\'s ETH or ERC20 balance falls by more than a percentage or an amount within a window.'),
    params: z
      .object({
        contract: identifier.meta({ description: 'Contract name whose balance is watched.', examples: ['pool'] }),
        token: identifier.optional().meta({ description: 'Name of an ERC20 contract; omit to watch the ETH balance.', examples: ['usdc'] }),
        dropPercent: percent.optional().meta({ description: 'Raise when the balance falls by more than this percentage within the window.', examples: [5] }),
        dropAmount: amount.optional().meta({
          description: 'Raise when the balance falls by more than this amount (base units) within the window.',
          examples: ['units("250000", 6)', '1_000e18'],
        }),
        windowBlocks: positiveInt.max(10_000, 'expected at most 10000 blocks').default(10).meta({ description: 'Window length in blocks.', examples: [10] }),
      })
      .strict()
      .refine((p) => p.dropPercent !== undefined || p.dropAmount !== undefined, { message: 'set dropPercent, dropAmount, or both' }),
  })
  .strict();

const adminChangeDetector = z
  .object({
    ...detectorBase,
    kind: z.literal('admin-change').describe('Ownership transferred, roles granted or revoked, proxy upgraded, or Paused/Unpaused by someone other than warden.'),
    params: z
      .object({
        contracts: z.array(identifier).min(1, 'expected at least one contract name').meta({
          description: 'Contract names watched for ownership, role, upgrade and pause changes.',
          examples: [['pool']],
        }),
        ignore: z
          .array(z.enum(['ownership', 'roles', 'upgrades', 'pause']))
          .default([])
          .meta({ description: 'Change kinds to ignore.', examples: [['roles']] }),
      })
      .strict(),
  })
  .strict();

const callDetector = z
  .object({
    ...detectorBase,
    kind: z.literal('call').describe('A transaction to a watched contract calling a listed function from a sender outside the allowlist.'),
    params: z
      .object({
        contracts: z.array(identifier).min(1, 'expected at least one contract name').meta({
          description: 'Contract names whose incoming transactions are checked (top-level calls only).',
          examples: [['vault']],
        }),
        functions: z.array(z.string().min(1, 'expected a function name')).min(1, 'expected at least one function').meta({
          description: 'Functions to watch: names in the contracts\' ABI (all overloads), signatures like upgradeTo(address), or 4-byte selectors.',
          examples: [['upgradeTo', 'setOracle', '0x8129fc1c']],
        }),
        allow: z.array(address).default([]).meta({
          description: 'Senders whose calls are never flagged (your admin multisig, deployer). warden\'s guardian and Safes are always allowed.',
          examples: [['0x70997970C51812dc3A010C7d01b50e0d17dc79C8']],
        }),
        failed: z.boolean().optional().meta({
          description:
            'true: flag only calls that reverted (probing); false: only successful ones. Either fetches the block\'s receipts (one more eth_getBlockReceipts per block). Omit: any outcome, no receipts.',
          examples: [true],
        }),
      })
      .strict(),
  })
  .strict();

export const detectorSchema = z.discriminatedUnion('kind', [
  eventDetector,
  balanceDropDetector,
  adminChangeDetector,
  callDetector,
  invariantDetector,
  outflowRateDetector,
  oracleDeviationDetector,
  customDetector,
]);
