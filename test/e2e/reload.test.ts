/**
 * Hot reload on a real anvil (1 s blocks) and redis-server, with warden in-process: a lowered
 * threshold takes effect on the next block; an invalid file is rejected with its path and the
 * running detectors keep working; no block is skipped or processed twice across the reloads. The
 * reloads go through `requestReload` (what `warden reload` sends over Redis).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createWalletClient, http, parseUnits, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoVaultAbi } from '../../src/drill/abis.js';
import { drillAccounts } from '../../src/drill/accounts.js';
import { requestReload } from '../../src/reload/control.js';
import { drillConfigPath, scratchDir } from '../cli/cli.js';
import { eventually, startWorld, type World } from './world.js';

const scratch = scratchDir();
let world: World;
let configPath: string;

/** The drill config with the withdrawal threshold at `threshold` DEMO, medium severity (recorded, never paused for) and no balance-drop detector. */
function configText(threshold: string): string {
  const config = parse(readFileSync(drillConfigPath, 'utf8'));
  const large = config.detectors.find((detector: { id: string }) => detector.id === 'vault-large-withdraw');
  large.severity = 'medium';
  large.params.where = `amount >= ${threshold}`;
  config.detectors.find((detector: { id: string }) => detector.id === 'vault-drain').enabled = false;
  return stringify(config);
}

async function withdraw(depositorIndex: number, amount: string): Promise<number> {
  const account = privateKeyToAccount(drillAccounts.depositors[depositorIndex]!.key as Hex);
  const wallet = createWalletClient({ account, chain: foundry, transport: http(world.anvil.url) });
  const hash = await wallet.writeContract({ address: world.vault, abi: demoVaultAbi, functionName: 'withdraw', args: [parseUnits(amount, 18)] });
  const receipt = await world.client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  return Number(receipt.blockNumber);
}

/** Waits until warden has processed `block`, then says whether vault-large-withdraw fired in it. */
async function firedIn(block: number): Promise<boolean> {
  await eventually(async () => ((world.warden.chains()[0]!.tip?.number ?? 0) >= block ? true : undefined), 20_000, `block ${block}`);
  return world.anomalies.some((anomaly) => anomaly.detectorId === 'vault-large-withdraw' && anomaly.blockNumber === block);
}

const reload = () => requestReload({ redisUrl: world.loaded.config.redis.url, keyPrefix: world.loaded.config.redis.keyPrefix, timeoutMs: 15_000 });

beforeAll(async () => {
  configPath = scratch.write('warden.yaml', configText('50_000e18'));
  world = await startWorld({ blockTime: 1, configPath });
}, 60_000);
afterAll(async () => {
  await world?.stop();
  scratch.cleanup();
});

describe('hot reload', () => {
  it('applies a lowered threshold from the next block, rejects an invalid file keeping the old detectors, and skips or repeats no block', async () => {
    const firstBlock = world.warden.chains()[0]!.tip!.number;
    expect(await firedIn(await withdraw(0, '20000'))).toBe(false);

    writeFileSync(configPath, configText('10_000e18'));
    const applied = await reload();
    expect(applied.receivers).toBe(1);
    expect(Object.values(applied.outcomes)).toEqual([{ ok: true, changed: ['detectors'], needsRestart: [] }]);
    expect(await firedIn(await withdraw(1, '20000'))).toBe(true);

    // A typo in the condition: rejected with its path; the 10k threshold keeps running.
    writeFileSync(configPath, configText('10_000e18 +'));
    const rejected = await reload();
    const [outcome] = Object.values(rejected.outcomes);
    expect(outcome?.ok).toBe(false);
    expect(outcome?.ok === false && outcome.error).toMatch(/detectors\[0\]\.params\.where/);
    expect(await firedIn(await withdraw(2, '20000'))).toBe(true);

    // A section that needs a restart is reported, its running value kept.
    const changed = parse(configText('10_000e18'));
    changed.readiness = { everyBlocks: 7 };
    writeFileSync(configPath, stringify(changed));
    expect(Object.values((await reload()).outcomes)).toEqual([{ ok: true, changed: [], needsRestart: ['readiness'] }]);

    // Every block from the start to now was checked exactly once (the processor logs each block it checks).
    const lastBlock = world.warden.chains()[0]!.tip!.number;
    const checked = world
      .logs()
      .split('\n')
      .filter((line) => line.includes('"msg":"block checked"'))
      .map((line) => (JSON.parse(line) as { block: number }).block)
      .filter((block) => block > firstBlock && block <= lastBlock);
    expect(checked).toEqual(Array.from({ length: lastBlock - firstBlock }, (_, index) => firstBlock + 1 + index));
  }, 120_000);
});
