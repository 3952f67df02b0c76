/**
 * The warden config, as one zod schema. `config/schema.json` is generated from it (npm run schema)
 * so editors can autocomplete; a test keeps the two in sync.
 *
 * Every field documents itself with `.describe()`, which lands in the JSON Schema and the README.
 */
import { z } from 'zod';
import { severities } from '../../detectors/types.js';
import { AmountError, amountExamples, parseAmount } from '../../detectors/expression/amount.js';

const identifier = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'expected a name of letters, digits, "_" or "-", starting with a letter');

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 0x-prefixed 20-byte hex address');

/** Seconds as a number, or a string like "30s", "10m", "2h". */
export const duration = z
  .union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h)$/, 'expected a duration like 30s, 10m or 2h')])
  .transform((value) => (typeof value === 'number' ? value : durationSeconds(value)))
  .describe('Seconds, or a string like "30s", "10m", "2h".');

function durationSeconds(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(text)!;
  const factor = { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * factor;
}

/** An amount in base units: `1_000e18`, `units("1000", 6)`, or a plain integer. Parsed to bigint. */
export const amount = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    try {
      const parsed = parseAmount(value);
      if (parsed <= 0n) throw new AmountError('zero');
      return parsed;
    } catch {
      ctx.addIssue({ code: 'custom', message: `expected ${amountExamples}, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
  })
  .describe(`An amount in base units: ${amountExamples}.`);

const percent = z.number().gt(0).max(100).describe('A percentage, 0 < p <= 100.');

const chain = z
  .object({
    id: z.number().int().positive().describe('EVM chain id; `warden check --live` verifies the endpoints answer with it.'),
    name: identifier.describe('Short name used in logs and incidents.'),
    rpc: z.object({
      http: z.array(z.url()).min(1).describe('HTTP JSON-RPC urls, tried in order; warden fails over on errors and timeouts.'),
      ws: z.array(z.url()).default([]).describe('WebSocket urls for newHeads; without one warden polls over HTTP.'),
    }),
    blockTime: duration.default(12).describe('Expected seconds between blocks; sets the poll interval and stall detection.'),
    finalityDepth: z.number().int().positive().default(64).describe('Blocks kept in the hash-linked list for reorg handling.'),
    maxCatchUpBlocks: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe('On restart, the most missed blocks processed; older ones are skipped with a loud log.'),
    rpcTimeout: duration.default(10).describe('Seconds before an RPC request counts as failed.'),
  })
  .strict();

const contract = z
  .object({
    name: identifier.describe('Name detectors and pause steps refer to.'),
    chain: z.number().int().positive().describe('Chain id this contract lives on (one of chains[].id).'),
    address,
    protocol: identifier.optional().describe('Groups contracts into one protocol; incidents are per protocol. Defaults to the contract name.'),
    abi: z
      .union([z.array(z.string().min(1)), z.array(z.record(z.string(), z.unknown()))])
      .describe('Human-readable signatures ("event Transfer(address indexed from, address indexed to, uint256 value)") or a JSON ABI.'),
  })
  .strict();

const detectorBase = {
  id: identifier.describe('Unique detector id; plan rules and anomalies refer to it.'),
  severity: z.enum(severities).describe('Severity of the anomalies it raises.'),
  enabled: z.boolean().default(true),
};

const eventDetector = z
  .object({
    ...detectorBase,
    kind: z.literal('event'),
    params: z
      .object({
        contracts: z.array(identifier).min(1).describe('Contract names whose events are matched.'),
        event: z.string().min(1).describe('Event name in the contracts\' ABI, e.g. "Withdraw".'),
        where: z
          .string()
          .min(1)
          .optional()
          .describe('Condition over the event arguments, e.g. `amount >= 50_000e18 and to != sender`. Omit to match every event.'),
      })
      .strict(),
  })
  .strict();

const balanceDropDetector = z
  .object({
    ...detectorBase,
    kind: z.literal('balance-drop'),
    params: z
      .object({
        contract: identifier.describe('Contract name whose balance is watched.'),
        token: identifier.optional().describe('Name of an ERC20 contract; omit to watch the ETH balance.'),
        dropPercent: percent.optional().describe('Raise when the balance falls by more than this percentage within the window.'),
        dropAmount: amount.optional().describe('Raise when the balance falls by more than this amount (base units) within the window.'),
        windowBlocks: z.number().int().positive().max(10_000).default(10).describe('Window length in blocks.'),
      })
      .strict()
      .refine((p) => p.dropPercent !== undefined || p.dropAmount !== undefined, {
        message: 'set dropPercent, dropAmount, or both',
      }),
  })
  .strict();

const adminChangeDetector = z
  .object({
    ...detectorBase,
    kind: z.literal('admin-change'),
    params: z
      .object({
        contracts: z.array(identifier).min(1).describe('Contract names watched for ownership, role, upgrade and pause changes.'),
        ignore: z
          .array(z.enum(['ownership', 'roles', 'upgrades', 'pause']))
          .default([])
          .describe('Change kinds to ignore.'),
      })
      .strict(),
  })
  .strict();

export const detectorSchema = z.discriminatedUnion('kind', [eventDetector, balanceDropDetector, adminChangeDetector]);

const step = z.union([
  z.object({ pause: identifier.describe('Id of a responders.pauses entry.') }).strict(),
  z.object({ notify: identifier.describe('Id of a responders.webhooks entry.') }).strict(),
  z.literal('record').describe('Open or join the incident record (always done; listed for clarity).'),
]);

const planRule = z
  .object({
    name: z.string().optional(),
    match: z
      .object({
        detectors: z.array(identifier).optional().describe('Detector ids this rule applies to.'),
        minSeverity: z.enum(severities).optional().describe('Applies to anomalies of this severity or worse.'),
      })
      .strict()
      .refine((m) => m.detectors !== undefined || m.minSeverity !== undefined, {
        message: 'set detectors, minSeverity, or both',
      }),
    steps: z.array(step).min(1).describe('Done in order: pause, record, notify.'),
  })
  .strict();

const secretSource = z
  .object({
    privateKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).optional().describe('Name of the environment variable holding the key.'),
    privateKeyFile: z.string().min(1).optional().describe('Path of a file holding the key (hex, one line).'),
  })
  .strict()
  .refine((s) => (s.privateKeyEnv === undefined) !== (s.privateKeyFile === undefined), {
    message: 'set exactly one of privateKeyEnv or privateKeyFile (keys are never written inline)',
  });

const pauseTarget = z
  .object({
    id: identifier,
    contract: identifier.describe('Contract name to call.'),
    function: z.string().min(1).describe('Function signature, e.g. "function pause()".'),
    args: z.array(z.union([z.string(), z.number(), z.boolean()])).default([]).describe('Fixed arguments; never taken from chain data.'),
    check: z
      .object({
        function: z.string().min(1).describe('View function signature, e.g. "function paused() view returns (bool)".'),
        args: z.array(z.union([z.string(), z.number(), z.boolean()])).default([]),
        expect: z.union([z.boolean(), z.string(), z.number()]).describe('Value the check returns once contained.'),
      })
      .strict()
      .describe('Idempotency check read before sending and verified after.'),
    gasLimit: z.number().int().positive().default(200_000).describe('Gas limit of the pause tx (set, not estimated, to save a round trip).'),
  })
  .strict();

const webhook = z
  .object({
    id: identifier,
    url: z.url().describe('Receives a JSON POST per incident event. May carry a secret: use ${ENV_VAR}.'),
    timeout: duration.default(5),
  })
  .strict();

export const configSchema = z
  .object({
    redis: z
      .object({
        url: z.string().default('redis://127.0.0.1:6379').describe('Redis url (redis:// or rediss://).'),
        keyPrefix: identifier.default('warden').describe('Prefix of every key warden writes.'),
      })
      .strict()
      .prefault({}),
    http: z
      .object({ listen: z.string().default('127.0.0.1:9464').describe('host:port of the health and metrics server.') })
      .strict()
      .prefault({}),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info') })
      .strict()
      .prefault({}),
    chains: z.array(chain).min(1),
    contracts: z.array(contract).min(1),
    detectors: z.array(detectorSchema).min(1),
    plan: z
      .object({
        incidentWindow: duration.default(600).describe('Anomalies on the same protocol within this window join the open incident.'),
        rules: z.array(planRule).min(1),
      })
      .strict(),
    responders: z
      .object({
        guardian: secretSource
          .and(
            z.object({
              feeMultiplier: z.number().min(1).max(100).default(3).describe('maxFeePerGas = baseFee x this (+ tip).'),
              priorityFee: amount.optional().describe('Tip in wei; default 2 gwei.'),
              replaceAfterBlocks: z.number().int().positive().default(3).describe('Unmined after this many blocks: replace at the same nonce with a fee bump.'),
              minPauses: z.number().int().positive().default(5).describe('`check --live` wants ETH for this many pause txs.'),
            }),
          )
          .optional(),
        pauses: z.array(pauseTarget).default([]),
        webhooks: z.array(webhook).default([]),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** The config as written (before defaults). */
export type ConfigInput = z.input<typeof configSchema>;
/** The config after validation and defaults. */
export type Config = z.output<typeof configSchema>;
export type ChainConfig = Config['chains'][number];
export type ContractConfig = Config['contracts'][number];
export type DetectorConfig = Config['detectors'][number];
export type PlanRule = Config['plan']['rules'][number];
export type PlanStep = PlanRule['steps'][number];
export type PauseTargetConfig = Config['responders']['pauses'][number];
export type WebhookConfig = Config['responders']['webhooks'][number];
export type GuardianConfig = NonNullable<Config['responders']['guardian']>;
