/**
 * Attack scenarios for fork drills: a YAML file listing what the attacker does, step by step, as
 * impersonated calls (no key needed on a fork). Loaded like the config — YAML → `${VAR}` → zod —
 * and every problem is reported at once with its path: `steps[1].block[0].args[2]: expected ...`.
 *
 * ```yaml
 * name: vault drained through withdrawTo
 * steps:
 *   - block:                       # every call of a step goes into one block
 *       - from: "${ATTACKER}"
 *         to: "${VAULT}"
 *         function: "function withdrawTo(address account, address to, uint256 amount)"
 *         args: ["${VICTIM}", "${ATTACKER}", "100_000e18"]
 *   - kind: drain                  # impersonate the holder and transfer its tokens out
 *     token: "${TOKEN}"
 *     holder: "${VAULT}"
 *     to: "${ATTACKER}"            # amount: all (default) or an amount
 *   - kind: admin-takeover         # sent by the impersonated current admin
 *     target: "${VAULT}"
 *     from: "${ADMIN}"
 *     action: grantRole            # transferOwnership | grantRole | upgradeTo | upgradeToAndCall
 *     role: DEFAULT_ADMIN_ROLE
 *     account: "${ATTACKER}"
 *   - wait: 2                      # let 2 blocks pass
 * ```
 *
 * @example
 * const scenario = await loadScenario({ path: 'config/scenarios/demo-drain.yaml', env });
 */
import { readFile } from 'node:fs/promises';
import { encodeFunctionData, getAddress, isHex, parseAbiItem, type AbiFunction, type Address, type Hex } from 'viem';
import { z } from 'zod';
import { ConfigError, formatPath, type ConfigIssue } from '../config/errors.js';
import { interpolateEnv } from '../config/interpolate.js';
import { didYouMean } from '../config/suggest.js';
import { parseYaml } from '../config/yaml.js';
import { describeZodIssues } from '../config/zod-issues.js';
import { parseAmount } from '../../detectors/expression/amount.js';
import { roleId, ScenarioArgumentError, toAbiValue } from './scenario-args.js';

/** One impersonated call, resolved to calldata. */
export interface ScenarioCall {
  from: Address;
  to: Address;
  data: Hex;
  /** Wei sent along. */
  value: bigint;
  /** Gas limit; default: estimated, or a fixed limit when the estimate reverts (so the call is mined and reverts on chain). */
  gas?: bigint;
  /** For people: `withdrawTo(0x…, 0x…, 100000000000000000000000)` or `calldata 0x12345678…`. */
  label: string;
}

export type ScenarioStep =
  | { kind: 'calls'; calls: ScenarioCall[] }
  | { kind: 'drain'; token: Address; holder: Address; to: Address; amount: bigint | 'all' }
  | { kind: 'admin-takeover'; action: AdminAction; call: ScenarioCall }
  | { kind: 'wait'; blocks: number };

export type AdminAction = 'transferOwnership' | 'grantRole' | 'upgradeTo' | 'upgradeToAndCall';

export interface Scenario {
  name: string;
  description?: string;
  steps: ScenarioStep[];
  /** The file it came from, when loaded from one. */
  file?: string;
}

/** A scenario file with problems; each issue names its path. A ConfigError, so the CLI shows it the same way. */
export class ScenarioError extends ConfigError {
  override name = 'ScenarioError';
  constructor(issues: ConfigIssue[], file?: string) {
    super(issues, file);
    this.message = this.message.replace(/^invalid config/, 'invalid scenario');
  }
}

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 0x-prefixed 20-byte address').transform((value) => getAddress(value));
const hexData = z.string().refine((value) => isHex(value) && value.length % 2 === 0, 'expected 0x-prefixed hex calldata');
const wei = z.union([z.string(), z.number()], { error: 'expected an amount in wei like 1e18' }).transform((value, ctx) => {
  try {
    return parseAmount(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected an amount in wei like 1e18 or units("1.5", 18)' });
    return z.NEVER;
  }
});
const gasLimit = z.number().int('expected a whole number of gas').positive('expected a gas limit > 0').transform((value) => BigInt(value));

const callSchema = z
  .object({
    from: address.describe('Sender, impersonated (funded with ETH for gas if it has none).'),
    to: address,
    function: z.string().optional().describe('Human-readable signature: "function withdrawTo(address to, uint256 amount)".'),
    args: z.array(z.unknown()).optional(),
    data: hexData.optional().describe('Raw calldata, instead of function + args.'),
    value: wei.optional(),
    gas: gasLimit.optional(),
  })
  .strict()
  .transform((call, ctx): ScenarioCall => {
    const base = { from: call.from, to: call.to, value: call.value ?? 0n, ...(call.gas === undefined ? {} : { gas: call.gas }) };
    if (call.function === undefined) {
      if (call.args !== undefined) ctx.addIssue({ code: 'custom', path: ['args'], message: 'args need a function: add function: "function name(type a, ...)"' });
      const data = (call.data ?? '0x') as Hex;
      return { ...base, data, label: data === '0x' ? 'plain transfer' : `calldata ${data.slice(0, 10)}…` };
    }
    if (call.data !== undefined) ctx.addIssue({ code: 'custom', path: ['data'], message: 'give either function + args or data, not both' });
    const encoded = encodeCall(call.function, call.args ?? [], ctx);
    return { ...base, data: encoded?.data ?? '0x', label: encoded?.label ?? call.function };
  });

function encodeCall(signature: string, args: unknown[], ctx: z.RefinementCtx): { data: Hex; label: string } | undefined {
  let item: AbiFunction;
  try {
    const parsed = parseAbiItem(signature.trim().startsWith('function ') ? signature : `function ${signature}`);
    if (parsed.type !== 'function') throw new Error('not a function');
    item = parsed;
  } catch {
    ctx.addIssue({ code: 'custom', path: ['function'], message: 'expected a function signature like "function withdrawTo(address to, uint256 amount)"' });
    return undefined;
  }
  if (args.length !== item.inputs.length) {
    ctx.addIssue({ code: 'custom', path: ['args'], message: `${item.name} takes ${item.inputs.length} argument(s), got ${args.length}` });
    return undefined;
  }
  const values: unknown[] = [];
  for (const [index, input] of item.inputs.entries()) {
    try {
      values.push(toAbiValue(input, args[index]));
    } catch (error) {
      if (!(error instanceof ScenarioArgumentError)) throw error;
      ctx.addIssue({ code: 'custom', path: ['args', index, ...error.path], message: `${input.name || input.type}: ${error.message}` });
    }
  }
  if (values.length !== item.inputs.length) return undefined;
  const data = encodeFunctionData({ abi: [item], functionName: item.name, args: values });
  return { data, label: `${item.name}(${values.map(String).join(', ')})` };
}

const drainSchema = z
  .object({
    kind: z.literal('drain'),
    token: address.describe('ERC-20 token moved out.'),
    holder: address.describe('Whose tokens: the protocol contract or a privileged account, impersonated.'),
    to: address.describe('Receives the tokens.'),
    amount: z.union([z.literal('all'), wei]).default('all').describe('"all" (the holder\'s balance when the step runs) or an amount in base units.'),
  })
  .strict()
  .transform((step): ScenarioStep => step);

const roleName = z.string().transform((value, ctx) => {
  const id = /^0x[0-9a-fA-F]{64}$/.test(value) ? (value as Hex) : roleId(value);
  if (!id) ctx.addIssue({ code: 'custom', message: 'expected a role name like DEFAULT_ADMIN_ROLE or PAUSER_ROLE, or 0x + 64 hex digits' });
  return id ?? '0x';
});

const takeoverSchema = z
  .object({
    kind: z.literal('admin-takeover'),
    target: address.describe('The contract taken over.'),
    from: address.describe('Its current owner or admin, impersonated.'),
    action: z.enum(['transferOwnership', 'grantRole', 'upgradeTo', 'upgradeToAndCall']),
    newOwner: address.optional(),
    role: roleName.optional(),
    account: address.optional(),
    implementation: address.optional(),
    data: hexData.optional(),
  })
  .strict()
  .transform((step, ctx): ScenarioStep => {
    const needs: Record<AdminAction, (keyof typeof step)[]> = {
      transferOwnership: ['newOwner'],
      grantRole: ['role', 'account'],
      upgradeTo: ['implementation'],
      upgradeToAndCall: ['implementation'],
    };
    for (const key of needs[step.action]) {
      if (step[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `required for action ${step.action}` });
    }
    const signatures: Record<AdminAction, [string, unknown[]]> = {
      transferOwnership: ['function transferOwnership(address newOwner)', [step.newOwner]],
      grantRole: ['function grantRole(bytes32 role, address account)', [step.role, step.account]],
      upgradeTo: ['function upgradeTo(address newImplementation)', [step.implementation]],
      upgradeToAndCall: ['function upgradeToAndCall(address newImplementation, bytes data)', [step.implementation, step.data ?? '0x']],
    };
    const [signature, args] = signatures[step.action];
    const complete = args.every((arg) => arg !== undefined);
    const encoded = complete ? encodeCall(signature, args, ctx) : undefined;
    const call: ScenarioCall = { from: step.from, to: step.target, data: encoded?.data ?? '0x', value: 0n, label: encoded?.label ?? step.action };
    return { kind: 'admin-takeover', action: step.action, call };
  });

const blockSchema = z
  .object({ kind: z.literal('block'), block: z.array(callSchema).min(1, 'expected at least one call in the block') })
  .strict()
  .transform((step): ScenarioStep => ({ kind: 'calls', calls: step.block }));

const waitSchema = z
  .object({ kind: z.literal('wait'), wait: z.number().int('expected a whole number of blocks').positive('expected a number of blocks > 0') })
  .strict()
  .transform((step): ScenarioStep => ({ kind: 'wait', blocks: step.wait }));

export const scenarioSchema = z
  .object({
    name: z.string().min(1, 'expected a name for the report'),
    description: z.string().optional(),
    steps: z
      .array(z.discriminatedUnion('kind', [blockSchema, waitSchema, drainSchema, takeoverSchema]))
      .min(1, 'expected at least one step'),
  })
  .strict();

export interface ParseScenarioTextParameters {
  text: string;
  /** Named in errors. */
  file?: string;
  /** Source of `${VAR}` values; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Validates scenario text. Never returns a partially valid scenario.
 * @throws ScenarioError listing every issue, each with its path.
 */
export function parseScenarioText({ text, file, env = process.env }: ParseScenarioTextParameters): Scenario {
  let raw: unknown;
  try {
    raw = parseYaml({ text, file });
  } catch (error) {
    if (error instanceof ConfigError) throw new ScenarioError(error.issues, file);
    throw error;
  }
  if (raw === null || raw === undefined) throw new ScenarioError([{ path: '', message: 'the scenario is empty; start from config/scenarios/demo-drain.yaml' }], file);
  const interpolated = interpolateEnv({ value: raw, env });
  const issues: ConfigIssue[] = interpolated.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
  const input = withStepKinds(interpolated.value, issues);
  const parsed = scenarioSchema.safeParse(input);
  if (!parsed.success) {
    const reported = new Set(issues.map((issue) => issue.path));
    for (const issue of describeZodIssues({ issues: parsed.error.issues, input, schema: scenarioSchema, fromEnvironment: interpolated.references })) {
      const path = formatPath(issue.path);
      // A value whose variable is missing fails its type check too; the missing variable says it all.
      if (![...reported].some((done) => path === done || path.startsWith(`${done}.`) || path.startsWith(`${done}[`))) issues.push({ path, message: issue.message });
    }
  }
  if (issues.length > 0 || !parsed.success) throw new ScenarioError(issues.sort(byDocumentOrder), file);
  return { ...parsed.data, file };
}

/** Orders issues as their paths appear in the file: `steps[2]` before `steps[10]`. */
function byDocumentOrder(a: ConfigIssue, b: ConfigIssue): number {
  const key = (path: string) => path.replace(/\[(\d+)\]/g, (_match, index: string) => `[${index.padStart(6, '0')}]`);
  const [x, y] = [key(a.path), key(b.path)];
  return x < y ? -1 : x > y ? 1 : 0;
}

const shorthandKeys = ['block', 'wait'] as const;

/**
 * The shorthand steps (`- block: [...]`, `- wait: 2`) get their `kind`, so one discriminated union
 * validates every step and its errors speak of the step that was meant. A step with none of
 * `block`, `wait` or `kind` is reported here.
 */
function withStepKinds(value: unknown, issues: ConfigIssue[]): unknown {
  const steps = (value as { steps?: unknown } | null)?.steps;
  if (!Array.isArray(steps)) return value;
  const normalized = steps.map((step: unknown, index) => {
    if (step === null || typeof step !== 'object' || Array.isArray(step) || 'kind' in step) return step;
    const shorthand = shorthandKeys.find((key) => key in step);
    if (shorthand) return { kind: shorthand, ...step };
    const suggestion = Object.keys(step)
      .map((key) => didYouMean({ input: key, candidates: [...shorthandKeys, 'kind'] }))
      .find((text) => text !== '');
    issues.push({
      path: `steps[${index}]`,
      message: `expected a step: block: [calls], wait: <blocks>, or kind: drain | admin-takeover${suggestion ? ` (${suggestion.replace(/^[;,]?\s*/, '')})` : ''}`,
    });
    return step;
  });
  return { ...(value as object), steps: normalized };
}

/**
 * Reads and validates a scenario file.
 * @throws ScenarioError with every issue found; an unreadable file is one too.
 */
export async function loadScenario({ path, env }: { path: string; env?: NodeJS.ProcessEnv }): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ScenarioError([{ path: '', message: `cannot read the scenario: ${reason}` }], path);
  }
  return parseScenarioText({ text, file: path, env });
}
