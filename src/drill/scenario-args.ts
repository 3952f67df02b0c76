/**
 * Turns the arguments people write in a scenario file into the values viem encodes, guided by the
 * function's ABI: amounts as in the config (`1000e18`, `units("1.5", 6)`), addresses in any case,
 * role names for bytes32 (`PAUSER_ROLE`, `DEFAULT_ADMIN_ROLE`), lists for arrays and tuples.
 * Every error says what was expected, so the loader can name the exact argument.
 */
import { getAddress, isAddress, isHex, keccak256, toHex, type AbiParameter } from 'viem';
import { AmountError, parseAmount } from '../../detectors/expression/amount.js';

/** An argument that does not fit its ABI type; `path` locates it inside nested arrays or tuples. */
export class ScenarioArgumentError extends Error {
  override name = 'ScenarioArgumentError';
  constructor(
    message: string,
    readonly path: (string | number)[] = [],
  ) {
    super(message);
  }
}

const zeroRole = `0x${'0'.repeat(64)}` as const;

/** bytes32 role id of an AccessControl role name (`DEFAULT_ADMIN_ROLE` is zero), or undefined for other text. */
export function roleId(name: string): `0x${string}` | undefined {
  if (name === 'DEFAULT_ADMIN_ROLE') return zeroRole;
  return /^[A-Z][A-Z0-9_]*_ROLE$/.test(name) ? keccak256(toHex(name)) : undefined;
}

/**
 * Converts one argument to its ABI type.
 * @throws ScenarioArgumentError with a message like `expected an address`, `expected a uint256 amount like 1_000e18`.
 */
export function toAbiValue(parameter: AbiParameter, value: unknown): unknown {
  const type = parameter.type;
  const array = /^(.*)\[(\d*)\]$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) throw new ScenarioArgumentError(`expected a list for ${type}`);
    const length = array[2] ? Number(array[2]) : undefined;
    if (length !== undefined && value.length !== length) throw new ScenarioArgumentError(`expected exactly ${length} entries for ${type}`);
    const element = { ...parameter, type: array[1]! } as AbiParameter;
    return value.map((entry, index) => within(index, () => toAbiValue(element, entry)));
  }
  if (type === 'tuple') return tupleValue(parameter as AbiParameter & { components: readonly AbiParameter[] }, value);
  if (type === 'address') {
    if (typeof value !== 'string' || !isAddress(value, { strict: false })) throw new ScenarioArgumentError('expected a 0x-prefixed 20-byte address');
    return getAddress(value);
  }
  if (type === 'bool') {
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw new ScenarioArgumentError('expected true or false');
  }
  if (type === 'string') {
    if (typeof value !== 'string') throw new ScenarioArgumentError('expected a string');
    return value;
  }
  if (type === 'bytes') {
    if (typeof value !== 'string' || !isHex(value) || value.length % 2 !== 0) throw new ScenarioArgumentError('expected 0x-prefixed hex bytes');
    return value;
  }
  const fixedBytes = /^bytes(\d+)$/.exec(type);
  if (fixedBytes) return fixedBytesValue(Number(fixedBytes[1]), value);
  const integer = /^(u?)int(\d*)$/.exec(type);
  if (integer) return integerValue(integer[1] === 'u', Number(integer[2] || 256), value);
  throw new ScenarioArgumentError(`type ${type} is not supported in scenario arguments; give the calldata as data: 0x…`);
}

function tupleValue(parameter: AbiParameter & { components: readonly AbiParameter[] }, value: unknown): unknown {
  const components = parameter.components;
  if (Array.isArray(value)) {
    if (value.length !== components.length) throw new ScenarioArgumentError(`expected ${components.length} tuple fields`);
    return value.map((entry, index) => within(index, () => toAbiValue(components[index]!, entry)));
  }
  if (value !== null && typeof value === 'object' && components.every((component) => component.name)) {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(components.map((component) => [component.name!, within(component.name!, () => toAbiValue(component, record[component.name!]))]));
  }
  throw new ScenarioArgumentError(`expected a list of ${components.length} tuple fields`);
}

function fixedBytesValue(size: number, value: unknown): `0x${string}` {
  if (typeof value === 'string' && size === 32) {
    const role = roleId(value);
    if (role) return role;
  }
  if (typeof value !== 'string' || !isHex(value) || value.length !== 2 + size * 2) {
    throw new ScenarioArgumentError(`expected 0x + ${size * 2} hex digits${size === 32 ? ' or a role name like PAUSER_ROLE' : ''}`);
  }
  return value;
}

function integerValue(unsigned: boolean, bits: number, value: unknown): bigint {
  const what = unsigned ? `a uint${bits} amount like 1_000e18 or units("1000", 6)` : `an int${bits} like -5 or 1_000e18`;
  let parsed: bigint;
  try {
    if (typeof value === 'string' && value.trim().startsWith('-') && !unsigned) parsed = -parseAmount(value.trim().slice(1));
    else if (typeof value === 'number' && value < 0 && !unsigned) parsed = -parseAmount(-value);
    else if (typeof value === 'string' || typeof value === 'number') parsed = parseAmount(value);
    else throw new AmountError('not an amount');
  } catch {
    throw new ScenarioArgumentError(`expected ${what}`);
  }
  const limit = unsigned ? 1n << BigInt(bits) : 1n << BigInt(bits - 1);
  if (unsigned ? parsed >= limit : parsed >= limit || parsed < -limit) throw new ScenarioArgumentError(`expected ${what} (out of range for ${unsigned ? 'u' : ''}int${bits})`);
  return parsed;
}

function within<T>(part: string | number, convert: () => T): T {
  try {
    return convert();
  } catch (error) {
    if (error instanceof ScenarioArgumentError) throw new ScenarioArgumentError(error.message, [part, ...error.path]);
    throw error;
  }
}
