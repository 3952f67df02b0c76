/**
 * `warden check`: validate a config; with --live also connect and prove the plan can run today:
 * endpoints answer with the configured chain id, watched contracts have code, Redis answers, each
 * pause step succeeds as an eth_call from the guardian, and the guardian can pay for several pauses.
 */
import type { Command } from 'commander';
import { createPublicClient, formatEther, http, type Address } from 'viem';
import { createDetectors } from '../../detectors/index.js';
import { loadGuardianAccount } from '../../responders/guardian-key.js';
import { resolvePauseTargets } from '../../responders/pause-guardian.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { connectRedis } from '../daemon.js';
import { redactUrl } from '../log.js';
import { formatTable } from './table.js';

export interface CheckRow {
  check: string;
  subject: string;
  ok: boolean;
  detail: string;
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('Validate a config; with --live also check endpoints, contracts, Redis and the guardian.')
    .requiredOption('-c, --config <file>', 'config file (YAML)')
    .option('--live', 'connect to the RPC endpoints and Redis and simulate every pause step')
    .option('--json', 'print the checks as JSON')
    .action(async (options: { config: string; live?: boolean; json?: boolean }) => {
      const loaded = await loadConfig({ path: options.config });
      const account = loaded.config.responders.guardian ? loadGuardianAccount({ guardian: loaded.config.responders.guardian }) : undefined;
      // Detector-level validation (event names, conditions) happens when detectors are built.
      createDetectors({ config: loaded.config, contracts: loaded.contracts, guardianAddresses: account ? [account.address] : [] });
      const rows: CheckRow[] = [{ check: 'config', subject: options.config, ok: true, detail: 'valid' }];
      if (options.live) rows.push(...(await liveChecks(loaded, account?.address)));
      const failed = rows.filter((row) => !row.ok).length;
      if (options.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else {
        process.stdout.write(`${formatTable(rows.map((row) => ({ ...row, ok: row.ok ? 'ok' : 'FAIL' })), ['check', 'subject', 'ok', 'detail'])}\n`);
        process.stdout.write(failed === 0 ? 'all checks passed\n' : `${failed} check(s) failed\n`);
      }
      process.exitCode = failed === 0 ? 0 : 1;
    });
}

async function attempt(check: string, subject: string, run: () => Promise<{ ok: boolean; detail: string }>): Promise<CheckRow> {
  try {
    return { check, subject, ...(await run()) };
  } catch (error) {
    return { check, subject, ok: false, detail: ((error as Error).message ?? String(error)).split('\n')[0] ?? '' };
  }
}

export async function liveChecks(loaded: LoadedConfig, guardian: Address | undefined): Promise<CheckRow[]> {
  const { config, contracts } = loaded;
  const rows: CheckRow[] = [];
  rows.push(
    await attempt('redis', config.redis.url.replace(/\/\/[^@/]*@/, '//***@'), async () => {
      const redis = await connectRedis(config.redis.url);
      redis.disconnect();
      return { ok: true, detail: 'answers' };
    }),
  );
  const clients = new Map(config.chains.map((chain) => [chain.id, createPublicClient({ transport: http(chain.rpc.http[0], { timeout: chain.rpcTimeout * 1000 }) })]));
  for (const chain of config.chains) {
    for (const url of chain.rpc.http) {
      rows.push(
        await attempt('chain id', `${chain.name} ${redactUrl(url)}`, async () => {
          const id = await createPublicClient({ transport: http(url, { timeout: chain.rpcTimeout * 1000, retryCount: 0 }) }).getChainId();
          return { ok: id === chain.id, detail: id === chain.id ? `${id}` : `endpoint answers chain id ${id}, config says ${chain.id}` };
        }),
      );
    }
  }
  for (const contract of contracts.values()) {
    const client = clients.get(contract.chainId)!;
    rows.push(
      await attempt('has code', `${contract.name} ${contract.address}`, async () => {
        const code = await client.getCode({ address: contract.address });
        return code && code !== '0x' ? { ok: true, detail: `${(code.length - 2) / 2} bytes` } : { ok: false, detail: 'no code at this address on this chain' };
      }),
    );
  }
  const targets = resolvePauseTargets(config, contracts);
  if (targets.length > 0 && guardian) {
    for (const target of targets) {
      const client = clients.get(target.chainId)!;
      rows.push(
        await attempt('can pause', `${target.id} (${target.contract}.${target.function.name})`, async () => {
          await client.call({ account: guardian, to: target.address, data: target.calldata, gas: target.gasLimit });
          return { ok: true, detail: `eth_call from guardian ${guardian} succeeds` };
        }),
      );
    }
    const guardianConfig = config.responders.guardian!;
    for (const chainId of new Set(targets.map((target) => target.chainId))) {
      const client = clients.get(chainId)!;
      const gasLimit = targets.filter((target) => target.chainId === chainId).reduce((max, target) => (target.gasLimit > max ? target.gasLimit : max), 0n);
      rows.push(
        await attempt('guardian funds', `${guardian} on chain ${chainId}`, async () => {
          const [balance, block] = await Promise.all([client.getBalance({ address: guardian }), client.getBlock()]);
          const priority = guardianConfig.priorityFee ?? 2_000_000_000n;
          const perPause = gasLimit * (((block.baseFeePerGas ?? 0n) * BigInt(Math.ceil(guardianConfig.feeMultiplier * 100))) / 100n + priority);
          const need = perPause * BigInt(guardianConfig.minPauses);
          return {
            ok: balance >= need,
            detail: `${formatEther(balance)} ETH; ${guardianConfig.minPauses} pauses at current fees need ${formatEther(need)} ETH`,
          };
        }),
      );
    }
  }
  return rows;
}
