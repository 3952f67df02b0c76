/**
 * Errors as the command line shows them: one line, no stack, no secrets.
 */
/** A failure the user can fix; main.ts prints its message alone and exits 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Errors whose message is written for people (path-qualified, naming the fix): shown without a stack. */
export const userFacingErrors = new Set(['CliError', 'ConfigError', 'RedisUnavailableError', 'GuardianKeyError', 'DemoDeployError', 'ScenarioError', 'ForkDrillError', 'RecoveryError']);

