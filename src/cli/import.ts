/**
 * `warden import oz-monitor DIR`: converts an OpenZeppelin Monitor config folder into a warden config.
 * The config goes to --out (or stdout), the report for people to stderr when the config is on stdout
 * (so `> warden.yaml` captures only the config), else to stdout; --report writes it as JSON.
 *
 * Exit codes: 0 a config was written; 1 nothing could be converted (the report says why), the folder
 * is not an OZ Monitor config folder, or --out exists without --force.
 */
import { access, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CliError } from './errors.js';

interface ImportOptions {
  out?: string;
  force?: boolean;
  report?: string;
}

export function registerImportCommand(program: Command): void {
  const command = program.command('import').description('Convert another tool\'s configuration into a warden config.');
  command
    .command('oz-monitor')
    .description(
      'Convert an OpenZeppelin Monitor config folder (networks/, monitors/, triggers/, filters/) into a warden config: chains, ' +
        'contracts, event detectors with their expressions, webhooks and a plan that records and notifies. Prints a report of what it ' +
        'could not convert and why; secrets become ${VAR} placeholders.',
    )
    .argument('<dir>', 'the OpenZeppelin Monitor config folder (the one holding networks/, monitors/ and triggers/)')
    .option('-o, --out <file>', 'write the config to this file (default: print it on stdout)')
    .option('--force', 'overwrite --out if it exists')
    .option('--report <path>', 'also write the report as JSON to this file')
    .action(async (dir: string, options: ImportOptions) => {
      const { importOzMonitor, formatImportReport, OzMonitorFolderError } = await import('../import/oz-monitor/index.js');
      if (options.out && !options.force && (await exists(options.out))) {
        throw new CliError(`${options.out} exists; choose another --out file or add --force to overwrite it`);
      }
      let result;
      try {
        result = await importOzMonitor({ dir });
      } catch (error) {
        if (error instanceof OzMonitorFolderError) throw new CliError(error.message);
        throw error;
      }
      if (options.report) await writeFile(options.report, `${JSON.stringify(result.report, null, 2)}\n`);
      const text = `${formatImportReport(result.report)}\n`;
      if (!result.yaml) {
        process.stderr.write(text);
        throw new CliError('nothing could be converted into a warden detector (see the report above); no config was written');
      }
      if (options.out) {
        await writeFile(options.out, result.yaml);
        process.stdout.write(`${text}\nwrote ${options.out}; next: set the variables above, then \`warden check --config ${options.out}\`\n`);
      } else {
        process.stdout.write(result.yaml);
        process.stderr.write(text);
      }
    });
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
