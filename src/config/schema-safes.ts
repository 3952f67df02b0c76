/**
 * The config of Safe-based guardians: the Safes warden acts through (`responders.safes`), the way each
 * pause step reaches its target (`responders.pauses[].via`), and the readiness checks that prove,
 * block after block, that the pause path still works (`readiness`).
 */
import { z } from 'zod';
import { severities } from '../../detectors/types.js';
import { address, httpUrl, identifier, positiveInt } from './schema-values.js';

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name like WARDEN_GUARDIAN_KEY');

/** Where a private key is read from: never the config itself. */
export const keySource = z
  .object({
    privateKeyEnv: envName.optional().meta({ description: 'Name of the environment variable holding the key.', examples: ['WARDEN_GUARDIAN_KEY'] }),
    privateKeyFile: z
      .string()
      .min(1, 'expected a file path')
      .optional()
      .meta({ description: 'Path of a file holding the key (hex, one line); keep it mode 0600.', examples: ['/run/secrets/warden-guardian-key'] }),
  })
  .strict()
  .refine((s) => (s.privateKeyEnv === undefined) !== (s.privateKeyFile === undefined), {
    message: 'set exactly one of privateKeyEnv or privateKeyFile (keys are never written inline)',
  });

export const safeSchema = z
  .object({
    id: identifier.meta({ description: 'Id pause steps refer to: `via: {mode: safe, safe: <id>}`.', examples: ['pause-safe'] }),
    chain: positiveInt.meta({ description: 'Chain id the Safe lives on.', examples: [1] }),
    address,
    signers: z
      .array(keySource)
      .optional()
      .meta({
        description:
          'Owner keys warden signs SafeTxs with (mode safe: together they must meet the threshold; mode safe-propose: warden adds its one signature). Default: the guardian key alone. An owner that is also the guardian signs by sending the tx (no signature needed).',
        examples: [[{ privateKeyEnv: 'SAFE_PAUSER_KEY' }]],
      }),
    expect: z
      .object({
        threshold: positiveInt.optional().meta({ description: 'Signatures the Safe must require.', examples: [1] }),
        owners: z.array(address).optional().meta({ description: 'The Safe\'s owners, in any order.' }),
        modules: z.array(address).optional().meta({ description: 'Modules that must be enabled (e.g. the Roles modifier).' }),
      })
      .strict()
      .optional()
      .describe('What the Safe must still look like; a readiness check reports any change (a changed Safe may not execute the pause).'),
    transactionService: z
      .object({
        url: httpUrl.meta({ description: 'Safe Transaction Service API root (the hosted one needs apiKeyEnv; a self-hosted one is its …/api).', examples: ['https://api.safe.global/tx-service/eth/api'] }),
        apiKeyEnv: envName.optional().meta({ description: 'Environment variable holding the service API key, if it needs one.', examples: ['SAFE_API_KEY'] }),
        timeout: positiveInt.default(10).meta({ description: 'Seconds before a request to the service counts as failed.', examples: [10] }),
      })
      .strict()
      .optional()
      .describe('Where mode safe-propose proposes the SafeTx for the co-signers.'),
    appUrl: httpUrl
      .default('https://app.safe.global')
      .meta({ description: 'Safe{Wallet} url for the signing link in incidents and notifications.', examples: ['https://app.safe.global'] }),
  })
  .strict();

/** How a pause step reaches its target. */
export const pauseRouteSchema = z.discriminatedUnion(
  'mode',
  [
    z.object({ mode: z.literal('eoa').describe('The guardian key calls the target itself (it holds the pauser role).') }).strict(),
    z
      .object({
        mode: z.literal('safe').describe('The guardian sends execTransaction on the Safe, signed by the Safe\'s signers (they meet its threshold).'),
        safe: identifier.describe('Id of a responders.safes entry.'),
      })
      .strict(),
    z
      .object({
        mode: z.literal('safe-module').describe('The guardian is a member of a Zodiac Roles role scoped to the pause; it calls execTransactionWithRole.'),
        safe: identifier.describe('Id of the responders.safes entry the Roles modifier is attached to.'),
        module: address.describe('Address of the Roles modifier (Roles v2 interface).'),
        roleKey: z
          .string()
          .regex(/^(0x[0-9a-fA-F]{64}|[\x20-\x7e]{1,31})$/, 'expected a 0x 32-byte role key or a role name of at most 31 characters')
          .meta({ description: 'Role key: 0x + 64 hex, or a name encoded as bytes32 (as the Roles SDK does).', examples: ['PAUSER'] }),
      })
      .strict(),
    z
      .object({
        mode: z.literal('safe-propose').describe('warden signs the SafeTx and proposes it to the Transaction Service; humans add signatures and execute.'),
        safe: identifier.describe('Id of a responders.safes entry with a transactionService.'),
      })
      .strict(),
  ],
  { error: 'expected via.mode to be one of eoa, safe, safe-module, safe-propose' },
);

export const readinessSchema = z
  .object({
    everyBlocks: positiveInt.default(50).meta({ description: 'Run the readiness checks at start-up and every this many blocks.', examples: [50] }),
    severity: z.enum(severities).default('high').meta({ description: 'Severity of the `readiness` anomaly a failed check raises.', examples: ['high'] }),
    enabled: z.boolean().default(true).meta({ description: 'Set false to turn the periodic checks off (`warden check --live` still runs them).' }),
  })
  .strict()
  .prefault({})
  .describe('Continuous proof that every pause step can still be carried out: simulation, gas money, Safe set-up.');

export type SafeConfig = z.output<typeof safeSchema>;
export type PauseRouteConfig = z.output<typeof pauseRouteSchema>;
export type ReadinessConfig = z.output<typeof readinessSchema>;
export type KeySourceConfig = z.output<typeof keySource>;
