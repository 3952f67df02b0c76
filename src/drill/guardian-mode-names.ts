/**
 * The drill's guardian modes by name, kept apart from their set-up (guardian-modes.ts) so the CLI can
 * check `--guardian` without loading viem and the Safe artifacts.
 */
export const guardianModes = ['eoa', 'safe', 'safe-module', 'safe-propose'] as const;
export type GuardianMode = (typeof guardianModes)[number];

/** Reads a `--guardian` value; the error lists the valid ones. */
export function parseGuardianMode(value: string): GuardianMode {
  if ((guardianModes as readonly string[]).includes(value)) return value as GuardianMode;
  throw new Error(`expected one of ${guardianModes.join(', ')}, got "${value}".`);
}
