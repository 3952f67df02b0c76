/**
 * Pause targets as the pauser uses them: the configured (contract, function, fixed args) and the
 * idempotency check, parsed and ABI-encoded once at startup.
 *
 * Invariant 4: this is the ONLY source of what a pause tx calls. Nothing from anomaly data (which
 * an attacker controls) reaches the target address, the function, or its arguments.
 */
import {
  encodeFunctionData,
  getAddress,
  isHex,
  parseAbi,
  parseAbiItem,
  toFunctionSelector,
  type Abi,
  type AbiFunction,
  type AbiParameter,
  type Address,
  type Hex,
} from 'viem';
import type { ResolvedContract } from '../src/config/contracts.js';
import { ConfigError, type ConfigIssue } from '../src/config/errors.js';
import type { Config, SafeConfig } from '../src/config/schema.js';
import { roleKeyFromConfig } from './safe/roles.js';

type ConfigValue = string | number | boolean;

export interface ResolvedCheck {
  function: AbiFunction;
  args: readonly unknown[];
  calldata: Hex;
  /** The value the check returns once the target is contained. */
  expect: ConfigValue;
}

export interface ResolvedPauseTarget {
  id: string;
  /** Contract name in the config. */
  contract: string;
  protocol: string;
  chainId: number;
  address: Address;
  function: AbiFunction;
  args: readonly unknown[];
  /** 4-byte selector of `function`; part of the lock and record keys. */
  selector: Hex;
  calldata: Hex;
  check: ResolvedCheck;
  gasLimit: bigint;
  /** The contract's error ABI plus common access-control errors, to explain reverts. */
  errorAbi: Abi;
  /** How the call reaches the target (pause-route.ts). */
  route: ResolvedPauseRoute;
  /** What lifts the pause, for `warden recover` to prepare (never sent by warden); undefined when not configured or derivable. */
  unpause?: { function: AbiFunction; calldata: Hex };
}

/** `responders.pauses[].via`, with the Safe resolved to its address and the role key to bytes32. */
export type ResolvedPauseRoute =
  | { mode: 'eoa' }
  | { mode: 'safe' | 'safe-propose'; safeId: string; safe: Address }
  | { mode: 'safe-module'; safeId: string; safe: Address; module: Address; roleKey: Hex };

/** The part of the config pause targets are resolved from. */
export interface PauseTargetsConfig {
  responders: Pick<Config['responders'], 'pauses'> & { safes?: readonly SafeConfig[] };
}

/** Errors that explain most failed pauses, in case the configured ABI lists none. */
export const commonErrorAbi = parseAbi([
  'error AccessControlUnauthorizedAccount(address account, bytes32 neededRole)',
  'error OwnableUnauthorizedAccount(address account)',
  'error EnforcedPause()',
  'error ExpectedPause()',
]);

/**
 * Resolves `responders.pauses` against the resolved contracts.
 * @throws ConfigError naming `responders.pauses[i].…` for an unknown contract, a bad signature or a bad argument.
 */
export function resolvePauseTargets(config: PauseTargetsConfig, contracts: Map<string, ResolvedContract>): ResolvedPauseTarget[] {
  const issues: ConfigIssue[] = [];
  const targets: ResolvedPauseTarget[] = [];
  config.responders.pauses.forEach((pause, index) => {
    const path = `responders.pauses[${index}]`;
    const contract = contracts.get(pause.contract);
    if (!contract) {
      issues.push({ path: `${path}.contract`, message: `unknown contract "${pause.contract}"; known: ${[...contracts.keys()].join(', ')}` });
      return;
    }
    const fn = parseFunction(pause.function, `${path}.function`, issues);
    const checkFn = parseFunction(pause.check.function, `${path}.check.function`, issues);
    if (!fn || !checkFn) return;
    if (checkFn.outputs.length !== 1) {
      issues.push({ path: `${path}.check.function`, message: 'the check must return exactly one value, e.g. "function paused() view returns (bool)"' });
      return;
    }
    const args = coerceArgs(fn, pause.args, `${path}.args`, issues);
    const checkArgs = coerceArgs(checkFn, pause.check.args, `${path}.check.args`, issues);
    if (!args || !checkArgs) return;
    const contractErrors = contract.abi.filter((item) => item.type === 'error');
    const route = resolveRoute(pause.via ?? { mode: 'eoa' }, config.responders.safes ?? [], `${path}.via`, issues);
    if (!route) return;
    const unpause = resolveUnpause(pause, fn, path, issues);
    targets.push({
      id: pause.id,
      contract: contract.name,
      protocol: contract.protocol,
      chainId: contract.chainId,
      address: contract.address,
      function: fn,
      args,
      selector: toFunctionSelector(fn),
      calldata: encodeFunctionData({ abi: [fn], functionName: fn.name, args }),
      check: {
        function: checkFn,
        args: checkArgs,
        calldata: encodeFunctionData({ abi: [checkFn], functionName: checkFn.name, args: checkArgs }),
        expect: pause.check.expect,
      },
      gasLimit: BigInt(pause.gasLimit),
      errorAbi: [...contractErrors, ...commonErrorAbi],
      route,
      unpause,
    });
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return targets;
}

/** The configured unpause call, or `unpause()` for a `pause()` target; undefined when neither applies. */
function resolveUnpause(
  pause: Config['responders']['pauses'][number],
  pauseFn: AbiFunction,
  path: string,
  issues: ConfigIssue[],
): ResolvedPauseTarget['unpause'] {
  const configured = pause.unpause;
  if (!configured) {
    if (pauseFn.name !== 'pause' || pauseFn.inputs.length > 0) return undefined;
    const fn = parseAbiItem('function unpause()') as AbiFunction;
    return { function: fn, calldata: encodeFunctionData({ abi: [fn], functionName: 'unpause' }) };
  }
  const fn = parseFunction(configured.function, `${path}.unpause.function`, issues);
  const args = fn && coerceArgs(fn, configured.args, `${path}.unpause.args`, issues);
  if (!fn || !args) return undefined;
  return { function: fn, calldata: encodeFunctionData({ abi: [fn], functionName: fn.name, args }) };
}

function resolveRoute(via: NonNullable<Config['responders']['pauses'][number]['via']>, safes: readonly SafeConfig[], path: string, issues: ConfigIssue[]): ResolvedPauseRoute | undefined {
  if (via.mode === 'eoa') return via;
  const safe = safes.find((candidate) => candidate.id === via.safe);
  if (!safe) {
    issues.push({ path: `${path}.safe`, message: `no safe named "${via.safe}" in responders.safes` });
    return undefined;
  }
  const base = { safeId: safe.id, safe: getAddress(safe.address) };
  if (via.mode !== 'safe-module') return { mode: via.mode, ...base };
  try {
    return { mode: 'safe-module', ...base, module: getAddress(via.module), roleKey: roleKeyFromConfig(via.roleKey) };
  } catch (error) {
    issues.push({ path: `${path}.roleKey`, message: (error as Error).message });
    return undefined;
  }
}

function parseFunction(signature: string, path: string, issues: ConfigIssue[]): AbiFunction | undefined {
  const text = signature.trim().startsWith('function ') ? signature.trim() : `function ${signature.trim()}`;
  try {
    const item = parseAbiItem(text);
    if (item.type === 'function') return item;
  } catch {
    // reported below
  }
  issues.push({ path, message: `expected a function signature like "function pause()", got ${JSON.stringify(signature)}` });
  return undefined;
}

function coerceArgs(fn: AbiFunction, values: readonly ConfigValue[], path: string, issues: ConfigIssue[]): unknown[] | undefined {
  if (values.length !== fn.inputs.length) {
    issues.push({ path, message: `${fn.name} takes ${fn.inputs.length} argument(s), got ${values.length}` });
    return undefined;
  }
  const out: unknown[] = [];
  for (const [i, input] of fn.inputs.entries()) {
    try {
      out.push(coerceArg(input, values[i]!));
    } catch (error) {
      issues.push({ path: `${path}[${i}]`, message: `${input.name || `argument ${i}`} (${input.type}): ${(error as Error).message}` });
      return undefined;
    }
  }
  return out;
}

function coerceArg(input: AbiParameter, value: ConfigValue): unknown {
  const type = input.type;
  if (/^u?int\d*$/.test(type)) {
    if (typeof value === 'boolean' || !/^-?\d+$/.test(String(value).replace(/_/g, ''))) throw new Error(`expected an integer, got ${JSON.stringify(value)}`);
    return BigInt(String(value).replace(/_/g, ''));
  }
  if (type === 'address') {
    if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(value)) throw new Error(`expected an address, got ${JSON.stringify(value)}`);
    return getAddress(value);
  }
  if (type === 'bool') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw new Error(`expected true or false, got ${JSON.stringify(value)}`);
  }
  if (/^bytes\d*$/.test(type)) {
    if (typeof value !== 'string' || !isHex(value)) throw new Error(`expected 0x-prefixed hex, got ${JSON.stringify(value)}`);
    return value;
  }
  if (type === 'string') return String(value);
  throw new Error('this argument type is not supported in a pause step (use uint, int, address, bool, bytes or string)');
}

/** True when the check's returned value means "contained". Addresses and hex compare case-insensitively. */
export function checkMatches(value: unknown, expect: ConfigValue): boolean {
  if (typeof value === 'boolean') return typeof expect === 'boolean' ? value === expect : String(expect) === String(value);
  if (typeof value === 'bigint') {
    try {
      return value === BigInt(String(expect));
    } catch {
      return false;
    }
  }
  if (typeof value === 'number') return value === Number(expect);
  if (typeof value === 'string') return value.toLowerCase() === String(expect).toLowerCase();
  return false;
}
