/**
 * The `warden` command line. Each subcommand lives in its own module and loads its heavy parts
 * (viem, zod, BullMQ) only when it runs, so `--help` and usage errors answer at once. This file wires
 * them into commander and turns errors into exit codes: 2 for usage errors, 1 for everything else,
 * with the message alone (no stack) for errors written for people.
 */
import { Command, CommanderError } from 'commander';
import { scrubSecrets } from '../log.js';
import { describeError } from '../errors.js';
import { userFacingErrors } from './errors.js';
import { registerCheckCommand } from './check.js';
import { registerDrillCommand } from './drill.js';
import { registerImportCommand } from './import.js';
import { registerIncidentsCommand } from './incidents.js';
import { registerPlanCommand } from './plan.js';
import { registerRecoverCommand } from './recover.js';
import { registerReloadCommand } from './reload.js';
import { registerReplayCommand } from './replay.js';
import { registerRunCommand } from './run.js';
import { registerStatsCommand } from './stats.js';

const program = new Command()
  .name('warden')
  .description('Watches EVM contracts and contains exploits automatically: detect, queue, pause, record.')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerRunCommand(program);
registerReloadCommand(program);
registerCheckCommand(program);
registerIncidentsCommand(program);
registerPlanCommand(program);
registerRecoverCommand(program);
registerDrillCommand(program);
registerImportCommand(program);
registerReplayCommand(program);
registerStatsCommand(program);

/** The message for an error that escaped a command: one line unless the message itself lists issues. */
function errorMessage(error: unknown): string {
  if (error instanceof Error && userFacingErrors.has(error.name)) return error.message;
  const text = describeError(error);
  if (process.env.WARDEN_DEBUG && error instanceof Error && error.stack) return `${text}\n${error.stack}`;
  return `${text} (unexpected: set WARDEN_DEBUG=1 to see the stack trace)`;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has printed the usage error (or the help / version) already.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`warden: ${scrubSecrets(errorMessage(error))}\n`);
    process.exitCode = 1;
  }
}
// A command is done: connections a library keeps retrying in the background (Redis, sockets) must
// not keep the process alive. `run` never gets here while it follows; it exits from its signal handler.
// The empty writes call back once everything written before them is flushed (pipes are asynchronous on macOS).
process.stdout.write('', () => process.stderr.write('', () => process.exit(process.exitCode ?? 0)));
