/**
 * The imported detectors fire on the same events OZ Monitor's expressions select, on the real demo
 * vault and token: a real anvil (the fixtures' monitors watch the addresses a fresh anvil gives the
 * demo contracts), deposits, withdrawals and an attacker's withdrawTo, then every block run through
 * warden's block processor (one eth_getLogs, real decoding, the detectors createDetectors builds).
 * The expected matches are computed independently from the logs with the fixtures' expressions
 * written out as OZ Monitor evaluates them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createPublicClient, decodeEventLog, encodeFunctionData, getAddress, http, parseAbi, type Address, type Hex, type PublicClient } from 'viem';
import { createDetectors } from '../../../detectors/index.js';
import type { Anomaly } from '../../../detectors/types.js';
import { createBlockProcessor } from '../../chain/block-processor.js';
import { toHeader } from '../../chain/heads.js';
import { parseConfigText } from '../../config/load.js';
import { drillAccounts, FRESH_ANVIL_TOKEN_ADDRESS, FRESH_ANVIL_VAULT_ADDRESS } from '../../drill/accounts.js';
import { demoVaultAbi } from '../../drill/abis.js';
import { deployDrillProtocol } from '../../drill/drill-env.js';
import { startAnvil, startRedisServer, type Anvil, type ManagedProcess } from '../../drill/processes.js';
import { importOzMonitor } from './index.js';
import { environmentFor, fixtureDir } from './test-helpers.js';

const e18 = 10n ** 18n;
const attacker = drillAccounts.attacker.address;
const [alice, bob, carol, , , frank] = drillAccounts.depositors;

let anvil: Anvil;
let redisServer: ManagedProcess;
let redis: Redis;
let client: PublicClient;

beforeAll(async () => {
  [anvil, redisServer] = await Promise.all([startAnvil(), startRedisServer()]);
  redis = new Redis(redisServer.url);
  client = createPublicClient({ transport: http(anvil.url) }) as PublicClient;
  const protocol = await deployDrillProtocol({ rpcUrl: anvil.url });
  // The fixtures name these addresses: a fresh anvil's first two contracts from dev account #0.
  expect([protocol.token, protocol.vault]).toEqual([FRESH_ANVIL_TOKEN_ADDRESS, FRESH_ANVIL_VAULT_ADDRESS]);
  // Normal traffic and an attack: anvil's dev accounts are unlocked, and it mines each tx in its own block.
  await send(alice!.address, encodeFunctionData({ abi: demoVaultAbi, functionName: 'withdraw', args: [200_000n * e18] }));
  await send(bob!.address, encodeFunctionData({ abi: demoVaultAbi, functionName: 'withdraw', args: [1_000n * e18] }));
  await send(attacker, encodeFunctionData({ abi: demoVaultAbi, functionName: 'withdrawTo', args: [carol!.address, attacker, 150_000n * e18] }));
  await send(attacker, encodeFunctionData({ abi: demoVaultAbi, functionName: 'withdrawTo', args: [frank!.address, attacker, 10_000n * e18] }));
}, 120_000);

afterAll(async () => {
  redis?.disconnect();
  await Promise.all([anvil?.stop(), redisServer?.stop()]);
});

async function send(from: Address, data: Hex): Promise<void> {
  const hash = (await client.request({ method: 'eth_sendTransaction', params: [{ from, to: FRESH_ANVIL_VAULT_ADDRESS, data }] } as never)) as Hex;
  const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  expect(receipt.status).toBe('success');
}

/** The fixtures' expressions as OZ Monitor evaluates them (integers exact, addresses ignoring case). */
const ozMonitorMatches: Record<string, (event: string, args: Record<string, unknown>) => boolean> = {
  // "amount > 100000000000000000000000" OR "to == '0x3c44…93bc'"
  'demo-vault-large-or-suspicious-withdrawals-withdraw': (event, args) =>
    event === 'Withdraw' && ((args.amount as bigint) > 100_000n * e18 || (args.to as string).toLowerCase() === attacker.toLowerCase()),
  // "amount >= '200000000000000000000000'"
  'demo-vault-large-or-suspicious-withdrawals-deposit': (event, args) => event === 'Deposit' && (args.amount as bigint) >= 200_000n * e18,
  // "value > 100000000000000000000000 and (to == vault OR from == vault)"
  'demo-token-large-moves-in-and-out-of-the-vault-transfer': (event, args) =>
    event === 'Transfer' &&
    (args.value as bigint) > 100_000n * e18 &&
    [args.to, args.from].some((address) => (address as string).toLowerCase() === FRESH_ANVIL_VAULT_ADDRESS.toLowerCase()),
};

const fixtureAbi = parseAbi([
  'event Deposit(address indexed account, uint256 amount)',
  'event Withdraw(address indexed account, address indexed to, uint256 amount)',
  'event Transfer(address indexed from, address indexed to, uint256 value)',
  'event Approval(address indexed owner, address indexed spender, uint256 value)',
]);

/** Decoded with the fixtures' events; others (OwnershipTransferred, RoleGranted, …) are not monitored. */
function decodeKnown(log: { topics: [Hex, ...Hex[]] | []; data: Hex }) {
  try {
    return decodeEventLog({ abi: fixtureAbi, topics: log.topics, data: log.data });
  } catch {
    return undefined;
  }
}

describe('imported detectors on the demo protocol', () => {
  it('fire on exactly the events the OZ Monitor expressions select', async () => {
    const { yaml, report } = await importOzMonitor({ dir: fixtureDir });
    const loaded = parseConfigText({ text: yaml!, file: 'imported.yaml', env: environmentFor(report) });
    const detectors = createDetectors({ config: loaded.config, contracts: loaded.contracts }).filter((detector) => detector.chainId === 31337);
    expect(detectors.map((detector) => detector.id).sort()).toEqual(Object.keys(ozMonitorMatches).sort());

    const processor = createBlockProcessor({
      chainId: 31337,
      chainName: 'anvil',
      client,
      contracts: [...loaded.contracts.values()],
      detectors,
      redis,
      keyPrefix: 'oz-import-test',
      log: pino({ level: 'silent' }),
    });
    // cacheTime 0: viem caches the block number for a polling interval, which would cut off the last blocks.
    const latest = Number(await client.getBlockNumber({ cacheTime: 0 }));
    const anomalies: Anomaly[] = [];
    for (let number = 1; number <= latest; number += 1) {
      const block = await client.getBlock({ blockNumber: BigInt(number) });
      anomalies.push(...(await processor.process({ header: toHeader(block), observedAt: { wallMs: Date.now(), monoNs: '0', runId: 'test' } })));
    }
    const fired = anomalies.map((anomaly) => `${anomaly.detectorId} ${anomaly.txHashes[0]} ${String(anomaly.evidence.logIndex)}`).sort();

    const logs = await client.getLogs({ address: [FRESH_ANVIL_VAULT_ADDRESS, FRESH_ANVIL_TOKEN_ADDRESS], fromBlock: 1n, toBlock: BigInt(latest) });
    const expected = logs
      .flatMap((log) => {
        const decoded = decodeKnown(log);
        if (!decoded) return [];
        const watched = getAddress(log.address) === FRESH_ANVIL_VAULT_ADDRESS ? ['Deposit', 'Withdraw'] : ['Transfer'];
        if (!watched.includes(decoded.eventName)) return [];
        return Object.entries(ozMonitorMatches)
          .filter(([, matches]) => matches(decoded.eventName, decoded.args as Record<string, unknown>))
          .map(([id]) => `${id} ${log.transactionHash} ${log.logIndex}`);
      })
      .sort();

    expect(fired).toEqual(expected);
    // The scenario exercises both sides: the large and the attacker's withdrawals, two of six deposits,
    // and six of the token's transfers; the 1,000 DEMO withdrawal, small deposits and mints stay quiet.
    const count = (id: string) => fired.filter((line) => line.startsWith(`${id} `)).length;
    expect(count('demo-vault-large-or-suspicious-withdrawals-withdraw')).toBe(3);
    expect(count('demo-vault-large-or-suspicious-withdrawals-deposit')).toBe(2);
    expect(count('demo-token-large-moves-in-and-out-of-the-vault-transfer')).toBe(6);
  });
});
