/**
 * The Zodiac Roles v2 side of `safe-module` containment: warden's key is a member of a role on a
 * Roles modifier attached to the Safe and calls `execTransactionWithRole`; the modifier checks the
 * (target, selector) allowlist and makes the Safe call the target.
 *
 * `rolesAbi` is written out here (typed for viem) and checked item by item against the Roles v2 ABI
 * that ships in @gnosis.pm/zodiac (roles.test.ts), so it cannot drift from the real modifier.
 */
import { encodeFunctionData, isHex, parseAbi, stringToHex, type Address, type Hex } from 'viem';

export const rolesAbi = parseAbi([
  'function execTransactionWithRole(address to, uint256 value, bytes data, uint8 operation, bytes32 roleKey, bool shouldRevert) returns (bool success)',
  'function isModuleEnabled(address _module) view returns (bool)',
  'function avatar() view returns (address)',
  'function target() view returns (address)',
  // The reverts a role member can meet, so they decode to names instead of raw data.
  'error NotAuthorized(address sender)',
  'error NoMembership()',
  'error ConditionViolation(uint8 status, bytes32 info)',
  'error FunctionSignatureTooShort()',
  'error ModuleTransactionFailed()',
]);

/**
 * Roles v2 `Status` values carried by `ConditionViolation(status, info)` that a pause-only role meets
 * (the first five of the enum; the rest concern parameter conditions and allowances).
 */
export const rolesConditionStatus = {
  Ok: 0,
  DelegateCallNotAllowed: 1,
  TargetAddressNotAllowed: 2,
  FunctionNotAllowed: 3,
  SendNotAllowed: 4,
} as const;

/**
 * Calldata of `execTransactionWithRole(to, 0, data, Call, roleKey, shouldRevert)`. `shouldRevert`
 * (default true) makes the modifier revert when the Safe's inner call fails, so a failed pause costs a
 * reverted transaction instead of a silent `false`.
 */
export function encodeExecTransactionWithRole(params: { to: Address; data: Hex; roleKey: Hex; shouldRevert?: boolean }): Hex {
  return encodeFunctionData({
    abi: rolesAbi,
    functionName: 'execTransactionWithRole',
    args: [params.to, 0n, params.data, 0, params.roleKey, params.shouldRevert ?? true],
  });
}

/**
 * The bytes32 role key a config names: a 0x-prefixed 32-byte hex string is taken as is; anything else is
 * a short name ("PAUSER") encoded as its UTF-8 bytes right-padded with zeros to 32 bytes, the way the
 * Roles SDK (ethers' encodeBytes32String) turns role names into keys. Names longer than 31 bytes do not
 * fit (the last byte stays zero, as in encodeBytes32String) and throw.
 */
export function roleKeyFromConfig(value: string): Hex {
  if (value.length === 0) throw new Error('role key is empty: give a role name such as "PAUSER" or a 0x-prefixed 32-byte hex key');
  if (value.startsWith('0x')) {
    if (isHex(value, { strict: true }) && value.length === 66) return value.toLowerCase() as Hex;
    throw new Error(
      `role key "${value}" starts with 0x but is not 32 bytes of hex (64 hex digits after 0x); give the full bytes32 key or a role name without 0x`,
    );
  }
  const bytes = new TextEncoder().encode(value);
  if (bytes.length > 31) {
    throw new Error(`role name "${value}" is ${bytes.length} bytes long; a role name must fit in 31 bytes of UTF-8 (or give the 0x-prefixed 32-byte key)`);
  }
  return stringToHex(value, { size: 32 });
}
