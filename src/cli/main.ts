/**
 * The `warden` command line. Each subcommand lives in its own module; this file only wires them
 * into commander and turns known errors into a clear message and exit code 1 (2 for usage errors).
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/errors.js';
import { RedisUnavailableError } from '../daemon.js';
import { registerCheckCommand } from './check.js';
import { registerDrillCommand } from './drill.js';
import { registerIncidentsCommand } from './incidents.js';
import { registerRunCommand } from './run.js';

const program = new Command()
  .name('warden')
  .description('Watches EVM contracts and contains exploits automatically: detect, queue, pause, record.')
  .showHelpAfterError()
  .exitOverride();

registerRunCommand(program);
registerCheckCommand(program);
registerIncidentsCommand(program);
registerDrillCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof ConfigError || error instanceof RedisUnavailableError) {
    process.stderr.write(`warden: ${error.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`warden: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
}
