/**
 * The warden config, as one zod schema. `config/schema.json` is generated from it (npm run schema)
 * so editors can autocomplete, and `docs/config-reference.md` is generated from that JSON Schema;
 * tests keep both in sync.
 *
 * Every field documents itself with `.meta({ description, examples })`, which lands in the JSON Schema
 * and the reference. Messages are written as "expected ..." so `load.ts` can append ", got <value>".
 */
import { z } from 'zod';
import { severities } from '../../detectors/types.js';
import { channelsSchema } from './schema-channels.js';
import { detectorSchema } from './schema-detectors.js';
import { planSchema } from './schema-plan.js';
import { pauseRouteSchema, readinessSchema, safeSchema } from './schema-safes.js';
import { address, amount, duration, httpUrl, identifier, positiveInt, wsUrl } from './schema-values.js';

export { detectorSchema } from './schema-detectors.js';
export { amount, duration } from './schema-values.js';

const chain = z
  .object({
    id: positiveInt.meta({ description: 'EVM chain id; `warden check --live` verifies the endpoints answer with it.', examples: [1] }),
    name: identifier.meta({ description: 'Short name used in logs and incidents.', examples: ['mainnet'] }),
    rpc: z
      .object({
        http: z
          .array(httpUrl)
          .min(1, 'expected at least one HTTP url')
          .meta({
            description: 'HTTP JSON-RPC urls. Requests go to the healthiest, fastest one (config order breaks ties); an endpoint that errs, times out or lags (maxEndpointLag) is taken out of rotation for a cool-down. Put API keys in ${ENV_VARS}.',
            examples: [['${MAINNET_RPC_URL}', '${MAINNET_RPC_FALLBACK_URL}']],
          }),
        ws: z
          .array(wsUrl)
          .default([])
          .meta({ description: 'WebSocket urls for newHeads, used one at a time; a socket that drops, goes silent or lags moves to the next. Without one warden polls over HTTP.', examples: [['${MAINNET_WS_URL}']] }),
      })
      .strict()
      .describe('Endpoints of this chain.'),
    blockTime: duration
      .default(12)
      .meta({ description: 'Expected seconds between blocks; sets the poll interval and stall detection.', examples: [12, '2s'] }),
    finalityDepth: positiveInt
      .default(64)
      .meta({ description: 'Blocks kept in the hash-linked list for reorg handling.', examples: [64] }),
    maxCatchUpBlocks: positiveInt
      .default(1000)
      .meta({ description: 'On restart, the most missed blocks processed; older ones are skipped with a loud log.', examples: [1000] }),
    rpcTimeout: duration.default(10).meta({ description: 'Seconds before an RPC request counts as failed.', examples: ['10s'] }),
    // Optional without a zod default (the code applies it) so hand-written ChainConfig objects need not name them.
    maxEndpointLag: positiveInt.optional().meta({
      description: 'An HTTP endpoint (or WebSocket) whose head is more than this many blocks behind the best endpoint is taken out of rotation until it catches up. Default 5.',
      examples: [5],
    }),
    stallTimeout: duration.optional().meta({
      description: 'Seconds without a new block before the head counts as stalled: warden switches endpoints, polls, and raises a `liveness` anomaly. Default 3 x blockTime, at least 5 s.',
      examples: ['36s'],
    }),
    stallSeverity: z.enum(severities).optional().meta({
      description: 'Severity of the `liveness` anomaly a stalled head raises (never paused for; plan rules route it by severity or `detectors: [liveness]`). Default high.',
      examples: ['critical'],
    }),
    explorerUrl: httpUrl
      .optional()
      .meta({ description: 'Block explorer base url: notifications, post-mortems and recovery output link txs, blocks and addresses to it (<root>/tx/<hash>, /address/<a>, /block/<n>).', examples: ['https://etherscan.io'] }),
  })
  .strict();

const contract = z
  .object({
    name: identifier.meta({ description: 'Name detectors and pause steps refer to.', examples: ['pool'] }),
    chain: positiveInt.meta({ description: 'Chain id this contract lives on (one of chains[].id).', examples: [1] }),
    address,
    protocol: identifier
      .optional()
      .meta({ description: 'Groups contracts into one protocol; incidents are per protocol. Defaults to the contract name.', examples: ['lendco'] }),
    abi: z
      .union([z.array(z.string().min(1)), z.array(z.record(z.string(), z.unknown()))], {
        error: 'expected a list of human-readable signatures or a JSON ABI (a list of objects)',
      })
      .meta({
        description: 'Human-readable signatures or a JSON ABI. List only what detectors and pauses use.',
        examples: [['event Transfer(address indexed from, address indexed to, uint256 value)', 'function paused() view returns (bool)']],
      }),
  })
  .strict();

const callArg = z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean' });

const pauseTarget = z
  .object({
    id: identifier.meta({ description: 'Id plan steps refer to: `{pause: <id>}`.', examples: ['pool-pause'] }),
    contract: identifier.meta({ description: 'Contract name to call.', examples: ['pool'] }),
    function: z.string().min(1, 'expected a function signature').meta({ description: 'Function signature to call.', examples: ['function pause()'] }),
    args: z.array(callArg).default([]).meta({ description: 'Fixed arguments; never taken from chain data.', examples: [[]] }),
    check: z
      .object({
        function: z.string().min(1, 'expected a function signature').meta({
          description: 'View function signature.',
          examples: ['function paused() view returns (bool)'],
        }),
        args: z.array(callArg).default([]).meta({ description: 'Fixed arguments of the check.' }),
        expect: z
          .union([z.boolean(), z.string(), z.number()], { error: 'expected a boolean, string or number' })
          .meta({ description: 'Value the check returns once contained.', examples: [true] }),
      })
      .strict()
      .describe('Idempotency check read before sending and verified after.'),
    gasLimit: positiveInt
      .default(200_000)
      .meta({
        description: 'Gas of the pause call itself (set, not estimated, to save a round trip); through a Safe or module warden adds their overhead.',
        examples: [200000],
      }),
    unpause: z
      .object({
        function: z.string().min(1, 'expected a function signature').meta({ description: 'Function that lifts the pause.', examples: ['function unpause()'] }),
        args: z.array(callArg).default([]).meta({ description: 'Fixed arguments.' }),
      })
      .strict()
      .optional()
      .describe('What `warden recover` prepares for people to send (warden never sends it). Default: `unpause()` when the pause is `pause()`.'),
    via: pauseRouteSchema
      .default({ mode: 'eoa' })
      .meta({ description: 'How the pause reaches the target: the guardian key directly (eoa), a Safe, a Roles module on a Safe, or a proposal to the Safe\'s co-signers.', examples: [{ mode: 'safe', safe: 'pause-safe' }] }),
  })
  .strict();

const webhook = z
  .object({
    id: identifier.meta({ description: 'Id plan steps refer to: `{notify: <id>}`.', examples: ['oncall'] }),
    url: httpUrl.meta({ description: 'Receives a JSON POST per incident event. It usually carries a secret: use ${ENV_VAR}.', examples: ['${WARDEN_WEBHOOK_URL}'] }),
    timeout: duration.default(5).meta({ description: 'Seconds before the POST counts as failed.', examples: ['5s'] }),
  })
  .strict();

/**
 * The guardian EOA. One flat object (not an intersection): the JSON Schema of an intersection of a
 * strict object would make editors reject every field of the other half.
 */
const guardian = z
  .object({
    privateKeyEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name like WARDEN_GUARDIAN_KEY')
      .optional()
      .meta({ description: 'Name of the environment variable holding the key.', examples: ['WARDEN_GUARDIAN_KEY'] }),
    privateKeyFile: z
      .string()
      .min(1, 'expected a file path')
      .optional()
      .meta({ description: 'Path of a file holding the key (hex, one line); keep it mode 0600.', examples: ['/run/secrets/warden-guardian-key'] }),
    address: address.optional().meta({
      description: 'The guardian\'s address. Required for fork drills (`warden drill --fork-url`), which act as this account without its key; when the key is also loaded, warden checks they match.',
      examples: ['0x70997970C51812dc3A010C7d01b50e0d17dc79C8'],
    }),
    feeMultiplier: z
      .number()
      .min(1, 'expected a number from 1 to 100')
      .max(100, 'expected a number from 1 to 100')
      .default(3)
      .meta({ description: 'maxFeePerGas = baseFee x this (+ tip). anvil orders by maxFeePerGas, so this is what lets a pause overtake.', examples: [3] }),
    priorityFee: amount.optional().meta({ description: 'Tip in wei; default 2 gwei.', examples: ['2e9'] }),
    replaceAfterBlocks: positiveInt
      .default(1)
      .meta({ description: 'Unmined after this many blocks: replace at the same nonce with a fee bump. 1: a pause not in the next block is replaced within that block.', examples: [1] }),
    minPauses: positiveInt.default(5).meta({ description: '`check --live` wants ETH for this many pause txs.', examples: [5] }),
  })
  .strict()
  .refine((s) => (s.privateKeyEnv === undefined) !== (s.privateKeyFile === undefined), {
    message: 'set exactly one of privateKeyEnv or privateKeyFile (keys are never written inline)',
  })
  .describe('The key that sends pause transactions. Required when any plan step pauses.');

export const configSchema = z
  .object({
    redis: z
      .object({
        url: z
          .string()
          .regex(/^rediss?:\/\/\S+$/, 'expected a redis:// or rediss:// URL')
          .default('redis://127.0.0.1:6379')
          .meta({ description: 'Redis url (redis:// or rediss://); may carry a password: use ${ENV_VAR}.', examples: ['${REDIS_URL}'] }),
        keyPrefix: identifier.default('warden').meta({ description: 'Prefix of every key warden writes.', examples: ['warden'] }),
        spoolDir: z
          .string()
          .min(1)
          .optional()
          .meta({
            description:
              'Directory of the local spool: while Redis is unreachable, what was meant for it (anomalies, checkpoints, detector state, incident entries) is appended here and replayed when Redis is back. Each process writes its own file; files of dead processes are adopted. Relative paths are relative to the config file. Default ~/.warden/spool. Must be writable and survive a restart (a volume in containers).',
            examples: ['/var/lib/warden/spool'],
          }),
      })
      .strict()
      .prefault({})
      .describe('Where the queue, chain checkpoints, detector state and incidents live. Use appendonly and maxmemory-policy noeviction.'),
    http: z
      .object({
        listen: z
          .string()
          .regex(/^\S+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:9464')
          .default('127.0.0.1:9464')
          .meta({ description: 'host:port of GET /healthz, /readyz and /metrics (Prometheus). Keep it on 127.0.0.1 unless a scraper elsewhere needs it.', examples: ['0.0.0.0:9464'] }),
        readyMaxHeadLag: positiveInt
          .default(5)
          .meta({ description: '/readyz answers 503 when a chain\'s last processed block is more than this many blocks behind the best head seen.', examples: [5] }),
      })
      .strict()
      .prefault({})
      .describe('The HTTP server: GET /healthz (alive), /readyz (able to protect now), /metrics (Prometheus).'),
    log: z
      .object({
        level: z
          .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
          .default('info')
          .meta({ description: 'pino log level.', examples: ['info'] }),
      })
      .strict()
      .prefault({})
      .describe('Logging: JSON lines on stdout (pretty on a terminal or with --pretty).'),
    chains: z.array(chain).min(1, 'expected at least one chain').describe('Chains to follow; one follower each.'),
    contracts: z.array(contract).min(1, 'expected at least one contract').describe('Contracts to watch and to pause.'),
    detectors: z.array(detectorSchema).min(1, 'expected at least one detector').describe('What counts as an anomaly.'),
    plan: planSchema,
    responders: z
      .object({
        guardian: guardian.optional(),
        pauses: z.array(pauseTarget).default([]).describe('The only (contract, function) pairs warden may call.'),
        channels: channelsSchema.default([]),
        webhooks: z.array(webhook).default([]).describe('Generic JSON webhooks for `notify` steps (unsigned; a `webhook` channel signs its POSTs).'),
        safes: z.array(safeSchema).default([]).describe('Safes that pause steps act through (`via.safe`).'),
      })
      .strict()
      .prefault({})
      .describe('How the plan acts.'),
    readiness: readinessSchema,
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
export type PlanRole = Config['plan']['roles'][number];
export type EscalationLevel = Config['plan']['escalation'][number];
export type QuietHoursConfig = NonNullable<Config['plan']['quietHours']>;
export type PauseTargetConfig = Config['responders']['pauses'][number];
export type WebhookConfig = Config['responders']['webhooks'][number];
export type GuardianConfig = NonNullable<Config['responders']['guardian']>;
export type { KeySourceConfig, PauseRouteConfig, ReadinessConfig, SafeConfig } from './schema-safes.js';
