/**
 * Benchmark part 4: the soak. `warden run` (the real binary, a child process, on config/drill.yaml)
 * follows an anvil chain for `blocks` blocks mined as fast as warden keeps up, with normal traffic on
 * the watched vault (a small withdrawal or deposit every `trafficEvery` blocks: seen by the detectors,
 * never an anomaly). Every 1,000 blocks, once warden has processed them, its RSS is read from
 * /proc/<pid>/status. Targets: RSS <= 200 MB, growth <= 5 % from block 10,000 to the end.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createPublicClient, createWalletClient, http, maxUint256, parseUnits, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { demoTokenAbi, demoVaultAbi } from '../src/drill/abis.js';
import { drillAccounts } from '../src/drill/accounts.js';
import { deployDrillProtocol, drillEnv } from '../src/drill/drill-env.js';
import { freePort, startAnvil, startRedisServer } from '../src/drill/processes.js';

export interface SoakBench {
  blocks: number;
  trafficTxs: number;
  /** RSS of the warden process, MB, after each 1,000 blocks processed. */
  samples: { block: number; rssMB: number; heapUsedMB: number }[];
  maxRssMB: number;
  /**
   * RSS growth, percent: the median of the last ten samples against the median of the ten from block
   * 10,000 (with fewer samples: the second half against the first). Single samples swing ±20 % with GC.
   */
  growthPercent: number;
  medianRssMB: { from: number; to: number };
  elapsedSeconds: number;
  runsFrom: 'sources (tsx)' | 'dist';
}

const bin = fileURLToPath(new URL('../bin/warden.js', import.meta.url));
const drillConfig = fileURLToPath(new URL('../config/drill.yaml', import.meta.url));

function rssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

export async function benchSoak(params: { blocks: number; trafficEvery?: number; onSample?: (line: string) => void }): Promise<SoakBench> {
  const trafficEvery = params.trafficEvery ?? 10;
  const [anvil, redis] = await Promise.all([startAnvil(), startRedisServer()]);
  const listen = `127.0.0.1:${await freePort()}`;
  const protocol = await deployDrillProtocol({ rpcUrl: anvil.url });
  const env = { ...process.env, ...drillEnv({ base: process.env, rpcUrl: anvil.url, wsUrl: anvil.wsUrl, protocol, redisUrl: redis.url }), WARDEN_HTTP_LISTEN: listen, LOG_LEVEL: 'warn' };
  const child = spawn(process.execPath, [bin, 'run', '--config', drillConfig], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const runsFrom = existsSync(fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url))) && !process.env.WARDEN_FROM_SOURCE ? 'dist' : 'sources (tsx)';
  const startedAt = performance.now();
  try {
    const publicClient = createPublicClient({ chain: foundry, transport: http(anvil.url) });
    const depositor = privateKeyToAccount(drillAccounts.depositors[0]!.key as Hex);
    const wallet = createWalletClient({ account: depositor, chain: foundry, transport: http(anvil.url) });
    await wallet.writeContract({ address: protocol.token, abi: demoTokenAbi, functionName: 'approve', args: [protocol.vault, maxUint256] });
    const scrape = () => fetch(`http://${listen}/metrics`).then((response) => response.text()).catch(() => '');
    const processed = async (): Promise<number> => Number(/^warden_last_processed_block\{[^}]*\} (\d+)$/m.exec(await scrape())?.[1] ?? -1);
    const heapUsedMB = async (): Promise<number> => Math.round(Number(/^warden_nodejs_heap_size_used_bytes (\S+)$/m.exec(await scrape())?.[1] ?? 0) / 2 ** 20 * 10) / 10;
    while ((await processed()) < 0) await new Promise((resolve) => setTimeout(resolve, 200));
    const first = Number(await publicClient.getBlockNumber({ cacheTime: 0 }));
    const samples: SoakBench['samples'] = [];
    let nonce = await publicClient.getTransactionCount({ address: depositor.address });
    let trafficTxs = 0;
    for (let done = 0; done < params.blocks; ) {
      // One tx (its own block, automine), then empty blocks up to the traffic interval.
      const amount = parseUnits('1', 18);
      await wallet.writeContract({ address: protocol.vault, abi: demoVaultAbi, functionName: trafficTxs % 2 === 0 ? 'withdraw' : 'deposit', args: [amount], nonce: nonce++, gas: 200_000n });
      trafficTxs += 1;
      await publicClient.request({ method: 'anvil_mine', params: [`0x${(trafficEvery - 1).toString(16)}`] } as never);
      done += trafficEvery;
      if (done % 1_000 === 0 || done >= params.blocks) {
        const head = first + done;
        while ((await processed()) < head) await new Promise((resolve) => setTimeout(resolve, 50));
        const sample = { block: done, rssMB: rssMB(child.pid!), heapUsedMB: await heapUsedMB() };
        samples.push(sample);
        params.onSample?.(`  soak: ${done} blocks, warden RSS ${sample.rssMB} MB, heap used ${sample.heapUsedMB} MB`);
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const fromTenThousand = samples.filter((sample) => sample.block >= 10_000);
    const [early, late] =
      fromTenThousand.length >= 20
        ? [fromTenThousand.slice(0, 10), samples.slice(-10)]
        : [samples.slice(0, Math.ceil(samples.length / 2)), samples.slice(Math.floor(samples.length / 2))];
    const from = median(early.map((sample) => sample.rssMB));
    const to = median(late.map((sample) => sample.rssMB));
    return {
      blocks: params.blocks,
      trafficTxs,
      samples,
      maxRssMB: Math.max(...samples.map((sample) => sample.rssMB)),
      growthPercent: Math.round(((to - from) / from) * 1000) / 10,
      medianRssMB: { from, to },
      elapsedSeconds: Math.round((performance.now() - startedAt) / 100) / 10,
      runsFrom,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await Promise.all([anvil.stop(), redis.stop()]);
  }
}
