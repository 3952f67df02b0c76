/**
 * `warden check`: validate a config; with --live also connect and prove the plan can run today:
 * endpoints answer with the configured chain id, watched contracts have code, Redis answers, each
 * pause step succeeds as an eth_call from the guardian, and the guardian can pay for several pauses.
 *
 * Exit codes: 0 every row ok; 1 a row failed or the config is invalid (the issues go to stderr).
 */
import type { Command } from 'commander';
import type { CheckRow } from './check-rows.js';
import { formatTable } from './table.js';

interface CheckOptions {
  config: string;
  live?: boolean;
  json?: boolean;
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('Validate a config; with --live also check endpoints, contracts, Redis and the guardian. Exits 1 if any check fails.')
    .requiredOption('-c, --config <file>', 'config file (YAML)')
    .option('--live', 'also connect: chain ids, contract code, Redis, an eth_call of every pause step from the guardian, its ETH')
    .option('--json', 'print the checks as a JSON array of {check, subject, ok, detail}')
    .action(async (options: CheckOptions) => {
      const { configRows, liveRows } = await import('./check-rows.js');
      const offline = await configRows({ path: options.config });
      const rows: CheckRow[] = [...offline.rows];
      if (options.live) rows.push(...(await liveRows({ loaded: offline.loaded, account: offline.account })));
      const failed = rows.filter((row) => !row.ok).length;
      if (options.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else {
        const table = formatTable(
          rows.map((row) => ({ ...row, ok: row.ok ? 'ok' : 'FAIL' })),
          ['check', 'subject', 'ok', 'detail'],
        );
        process.stdout.write(`${table}\n${failed === 0 ? 'all checks passed' : `${failed} check(s) failed`}\n`);
      }
      process.exitCode = failed === 0 ? 0 : 1;
    });
}
