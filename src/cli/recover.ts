/**
 * `warden recover ID --config FILE`: prepares the unpause of an incident's paused targets for people
 * to send — never sends it. It prints the plan first; only after a person confirms (a prompt on a
 * terminal, or --yes) does it propose the Safe transactions to their Transaction Service and record
 * `recovery-prepared` in the incident timeline.
 *
 * Exit codes: 0 prepared (or nothing to do); 1 an error or a step that cannot be prepared; 2 usage.
 */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { RecoveryStep } from '../recovery/prepare.js';
import { CliError } from './errors.js';

interface RecoverOptions {
  config: string;
  yes?: boolean;
  json?: boolean;
  by?: string;
}

export function registerRecoverCommand(program: Command): void {
  program
    .command('recover')
    .description('Prepare the unpause of an incident for people to send (as a Safe proposal, or printed calldata). warden never sends it.')
    .argument('<id>', 'incident id (inc_...)')
    .requiredOption('-c, --config <file>', 'config file (YAML): pause steps, Safes, Redis')
    .option('--yes', 'do not ask: propose and record right away (needed when not on a terminal)')
    .option('--by <name>', 'who prepares it (recorded; default: your login name)')
    .option('--json', 'print the steps as JSON')
    .action(async (id: string, options: RecoverOptions) => {
      const { openRecovery } = await import('../recovery/session.js');
      const session = await openRecovery({ configPath: options.config, incidentId: id });
      try {
        const plan = await session.prepare({ propose: false });
        const ready = plan.filter((step) => step.state === 'ready');
        if (!options.json) process.stdout.write(`${formatSteps(plan)}\n`);
        if (ready.length === 0) {
          if (options.json) process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
          process.exitCode = plan.some((step) => step.state === 'no-unpause') ? 1 : 0;
          return;
        }
        if (!options.yes && !(await confirm('Prepare these recovery transactions (propose to the Safe where one is configured)? [y/N] '))) {
          if (!process.stdin.isTTY) throw new CliError('not on a terminal: re-run with --yes to prepare (and propose) the recovery');
          process.stdout.write('nothing prepared\n');
          return;
        }
        const done = await session.prepare({ propose: true });
        await session.record(done, options.by);
        if (options.json) process.stdout.write(`${JSON.stringify(done, null, 2)}\n`);
        else process.stdout.write(`${formatSteps(done.filter((step) => step.safeTx))}\nrecorded in incident ${id}; warden does not send the unpause\n`);
        process.exitCode = done.some((step) => step.safeTx?.proposal === 'failed') ? 1 : 0;
      } finally {
        await session.close();
      }
    });
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

function formatSteps(steps: RecoveryStep[]): string {
  if (steps.length === 0) return 'no pause step of this incident to recover';
  return steps
    .map((step) => {
      const head = `${step.targetId} (${step.contract} ${step.address})`;
      if (step.state === 'not-paused') return `${head}: not paused; nothing to do`;
      if (step.state === 'no-unpause') return `${head}: no unpause function configured: set responders.pauses[].unpause`;
      const lines = [`${head}: ${step.call!.function} from ${step.call!.from}`, `  to:   ${step.call!.to}`, `  data: ${step.call!.data}`];
      if (step.simulation) lines.push(`  simulation: ${step.simulation.detail}`);
      if (step.safeTx) {
        lines.push(`  SafeTx ${step.safeTx.safeTxHash} (Safe ${step.safeTx.safe}, nonce ${step.safeTx.nonce})`);
        if (step.safeTx.proposal === 'proposed') lines.push('  proposed to the Safe Transaction Service: the owners sign and execute it');
        if (step.safeTx.proposal === 'failed') lines.push(`  proposing FAILED: ${step.safeTx.note}`);
        else if (step.safeTx.note) lines.push(`  ${step.safeTx.note}`);
        if (step.safeTx.signingUrl) lines.push(`  sign at ${step.safeTx.signingUrl}`);
      } else {
        lines.push('  send it from the account that holds the unpause role, once the protocol is safe again');
      }
      return lines.join('\n');
    })
    .join('\n');
}
