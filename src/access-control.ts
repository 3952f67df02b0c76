/**
 * Names of common OpenZeppelin AccessControl roles, so people read PAUSER_ROLE rather than 0x65d7….
 * A role id is keccak256 of its name (DEFAULT_ADMIN_ROLE is zero).
 */
import { keccak256, toHex } from 'viem';

const knownRoles = new Map<string, string>([
  [`0x${'0'.repeat(64)}`, 'DEFAULT_ADMIN_ROLE'],
  ...[
    'PAUSER_ROLE', 'UNPAUSER_ROLE', 'MINTER_ROLE', 'BURNER_ROLE', 'UPGRADER_ROLE', 'ADMIN_ROLE', 'GUARDIAN_ROLE', 'OPERATOR_ROLE',
    'MANAGER_ROLE', 'EXECUTOR_ROLE', 'PROPOSER_ROLE', 'CANCELLER_ROLE', 'KEEPER_ROLE', 'GOVERNOR_ROLE', 'EMERGENCY_ROLE',
  ].map((name): [string, string] => [keccak256(toHex(name)), name]),
]);

/** The role's name when it is a well-known one, else undefined. */
export function knownRoleName(role: unknown): string | undefined {
  return knownRoles.get(String(role).toLowerCase());
}
