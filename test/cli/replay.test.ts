/**
 * `warden replay` and `warden stats` through the real binary, on anvil with the demo protocol and
 * config/drill.yaml: withdrawals are replayed into JSON lines and CSV, `--set` moves the hit count,
 * bad input names what is wrong, no Redis key is written; `warden stats` shows what the daemon recorded.
 */
import { Redis } from 'ioredis';
import { readFileSync } from 'node:fs';
import { createPublicClient, createWalletClient, http, parseEther, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Anomaly } from '../../detectors/types.js';
import { createDetectorStatsRecorder } from '../../src/chain/detector-stats.js';
import { demoVaultAbi } from '../../src/drill/abis.js';
import { drillAccounts } from '../../src/drill/accounts.js';
import { pino } from 'pino';
import { drillConfigPath, editedDrillConfig, repoRoot, runCli, scratchDir, startCliChain, type CliChain } from './cli.js';

let chain: CliChain;
let head: number;
const scratch = scratchDir();
const timeout = 100_000;

beforeAll(async () => {
  chain = await startCliChain();
  const client = createPublicClient({ transport: http(chain.anvil.url) });
  // Two withdrawals: 60,000 DEMO (over the config's 50,000 threshold) and 10,000 DEMO (under it).
  for (const [index, amount] of [[0, '60000'], [1, '10000']] as const) {
    const account = privateKeyToAccount(drillAccounts.depositors[index]!.key);
    const wallet = createWalletClient({ account, transport: http(chain.anvil.url) });
    const hash: Hex = await wallet.writeContract({ chain: null, address: chain.vault, abi: demoVaultAbi, functionName: 'withdraw', args: [parseEther(amount)] });
    await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  }
  head = Number(await client.getBlockNumber({ cacheTime: 0 }));
}, timeout);
afterAll(async () => {
  scratch.cleanup();
  await chain?.stop();
});

interface Summary {
  anomalies: number;
  detectors: { id: string; totals: { evaluations: number; hits: number }; firstHitBlock?: number }[];
}

const replay = (args: string[]) => runCli(['replay', '--config', drillConfigPath, '--chain', '31337', '--from', '1', '--to', 'latest', '--json', ...args], chain.env, timeout);

describe('warden replay', () => {
  it('replays withdrawals into JSON lines, and --set changes the hit count', async () => {
    const redis = new Redis(chain.redis.url);
    const keysBefore = await redis.keys('*');
    const [plain, lowered] = await Promise.all([
      replay(['--detector', 'vault-large-withdraw']),
      replay(['--detector', 'vault-large-withdraw', '--set', 'detectors.vault-large-withdraw.params.where=amount >= 1e18']),
    ]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(lowered.code, lowered.stderr).toBe(0);
    const anomalies = plain.stdout.trim().split('\n').map((line) => JSON.parse(line) as Anomaly);
    expect(anomalies.map((a) => [a.detectorId, a.evidence.args])).toEqual([['vault-large-withdraw', expect.objectContaining({ amount: parseEther('60000').toString() })]]);
    // The summary is JSON on stderr (anomalies own stdout); the progress lines are plain there too.
    const summaryOf = (stderr: string) => JSON.parse(stderr.slice(stderr.indexOf('{'))) as Summary;
    const plainSummary = summaryOf(plain.stderr);
    expect(plainSummary.detectors).toEqual([expect.objectContaining({ id: 'vault-large-withdraw', totals: expect.objectContaining({ hits: 1 }), firstHitBlock: anomalies[0]!.blockNumber })]);
    expect(summaryOf(lowered.stderr).detectors[0]!.totals.hits).toBe(2);
    expect(plain.stderr).toMatch(/^replay: \d+\/\d+ blocks \(100%\), \d+ blocks\/s, 2 logs, 1 anomalies$/m);
    expect(lowered.stdout.trim().split('\n')).toHaveLength(2);
    // Side-effect free: no Redis key appeared.
    expect(await redis.keys('*')).toEqual(keysBefore);
    redis.disconnect();
  }, timeout);

  it('writes CSV to --out and the table to stdout, for every detector of the chain', async () => {
    const out = scratch.path('anomalies.csv');
    const result = await runCli(['replay', '-c', drillConfigPath, '--chain', 'anvil', '--from', '1', '--to', String(head), '--format', 'csv', '--out', out, '--no-progress'], chain.env, timeout);
    expect(result.code, result.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('id,detectorId,kind,severity,mode,chainId,blockNumber,blockHash,txHashes,addresses,summary,evidence');
    expect(lines.slice(1).some((line) => line.includes(',vault-large-withdraw,event,critical,act,31337,'))).toBe(true);
    for (const id of ['vault-large-withdraw', 'vault-drain', 'vault-admin']) expect(result.stdout).toMatch(new RegExp(`^${id}\\s`, 'm'));
    // vault-drain reads the balance every block: evaluated on each of them.
    expect(result.stdout).toMatch(new RegExp(`^vault-drain\\s+balance-drop\\s+${head}\\s`, 'm'));
    expect(result.stdout).toMatch(/replayed anvil blocks 1\.\.\d+ \(\d+ blocks, \d+ evaluated\)/);
  }, timeout);

  it('names a bad --set, an unknown detector or chain, and a range past the head', async () => {
    const cases: [string[], RegExp][] = [
      [['--set', 'detectors.vault-drain.params.dropPercent=500'], /detectors\[1\]\.params\.dropPercent: expected a percentage.*\(from --set detectors\.vault-drain\.params\.dropPercent=500\)/],
      [['--set', 'detectors.vault-drain.params.dropPrcent=5'], /unknown key "dropPrcent"; did you mean "dropPercent"\?/],
      [['--set', 'detectors.vault-large-withdraw.params.where=amout > 1'], /detectors\[0\]\.params\.where: .*unknown name "amout".*\(from --set/],
      [['--set', 'detectors.nope.params.x=1'], /no detector "nope" in .*; detectors are: vault-large-withdraw, vault-drain, vault-admin/],
      [['--set', 'vault-drain.dropPercent=5'], /expected detectors\.<id>\.<field>=<value>/],
      [['--detector', 'nope'], /--detector nope: no enabled detector "nope" on chain 31337; they are: vault-large-withdraw, vault-drain, vault-admin/],
    ];
    const results = await Promise.all(cases.map(([args]) => replay(args)));
    results.forEach((result, index) => {
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(cases[index]![1]);
      expect(result.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack
    });
    const [pastHead, badChain] = await Promise.all([
      runCli(['replay', '-c', drillConfigPath, '--chain', '31337', '--from', '1', '--to', String(head + 1000)], chain.env, timeout),
      runCli(['replay', '-c', drillConfigPath, '--chain', '5', '--from', '1', '--to', '2'], chain.env, timeout),
    ]);
    expect(pastHead.stderr).toMatch(new RegExp(`--to ${head + 1000}: the chain's head is ${head}`));
    expect(badChain.stderr).toMatch(/--chain 5: no such chain in .*; chains are: 31337 \(anvil\)/);
  }, timeout);

  it('replays a custom detector (its module imported as the daemon does) and --set reaches its params', async () => {
    const withCustom = scratch.write(
      'custom.yaml',
      await editedDrillConfig([
        [
          'detectors:\n',
          `detectors:\n  - id: burst\n    kind: custom\n    severity: high\n    module: ${repoRoot}/detectors/custom-template.ts\n    contracts: [vault]\n    params: { event: Withdraw, maxEvents: 5, windowBlocks: 10 }\n`,
        ],
      ]),
    );
    const run = (args: string[]) => runCli(['replay', '-c', withCustom, '--chain', '31337', '--from', '1', '--to', 'latest', '--detector', 'burst', '--json', ...args], chain.env, timeout);
    const [quiet, loud, bad] = await Promise.all([run([]), run(['--set', 'detectors.burst.params.maxEvents=1']), run(['--set', 'detectors.burst.params.maxEvents=-1'])]);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toBe('');
    expect(loud.code, loud.stderr).toBe(0);
    expect(loud.stdout.trim().split('\n').map((line) => (JSON.parse(line) as Anomaly).detectorId)).toEqual(['burst']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/detectors\[0\]\.params\.maxEvents: .*\(from --set detectors\.burst\.params\.maxEvents=-1\)/);
  }, timeout);
});

describe('warden stats', () => {
  it('shows the per-detector counters the daemon recorded, as a table and as JSON', async () => {
    const redis = new Redis(chain.redis.url);
    const recorder = createDetectorStatsRecorder({ redis, keyPrefix: 'warden-drill', chainId: 31337, log: pino({ level: 'silent' }) });
    recorder.record([
      { detectorId: 'vault-large-withdraw', evaluations: 1, hits: 2, errors: 0, ms: 1.5 },
      { detectorId: 'vault-drain', evaluations: 1, hits: 0, errors: 1, ms: 0.25 },
    ]);
    recorder.record([{ detectorId: 'vault-large-withdraw', evaluations: 1, hits: 0, errors: 0, ms: 0.5 }]);
    await recorder.flush();
    redis.disconnect();
    const [json, table] = await Promise.all([
      runCli(['stats', '--config', drillConfigPath, '--json'], chain.env, timeout),
      runCli(['stats', '--config', drillConfigPath], chain.env, timeout),
    ]);
    expect(json.code, json.stderr).toBe(0);
    const rows = JSON.parse(json.stdout) as { id: string; kind: string; totals: { evaluations: number; hits: number; errors: number; timeMs: number } }[];
    expect(rows.map((row) => [row.id, row.kind, row.totals])).toEqual([
      ['vault-large-withdraw', 'event', { evaluations: 2, hits: 2, errors: 0, timeMs: 2 }],
      ['vault-drain', 'balance-drop', { evaluations: 1, hits: 0, errors: 1, timeMs: 0.25 }],
      ['vault-admin', 'admin-change', { evaluations: 0, hits: 0, errors: 0, timeMs: 0 }],
    ]);
    expect(table.stdout).toMatch(/^CHAIN\s+DETECTOR\s+KIND\s+EVALUATIONS\s+HITS\s+ERRORS\s+TIME MS\s+US\/EVAL/m);
    expect(table.stdout).toMatch(/^anvil\s+vault-large-withdraw\s+event\s+2\s+2\s+0\s+2\.0\s+1000\.0$/m);
  }, timeout);
});
