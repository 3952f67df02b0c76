import { describe, expect, it } from 'vitest';
import { parseAbi, type Address } from 'viem';
import type { Logger } from 'pino';
import type { ResolvedContract } from '../src/config/contracts.js';
import { ConfigError } from '../src/config/errors.js';
import { createEventDetector } from './event.js';
import { addresses, context, encodedLog, txHash } from './test-helpers.js';
import type { Finding } from './types.js';

const withdraw = 'event Withdraw(address indexed user, uint256 amount)';
const vault: ResolvedContract = {
  name: 'vault',
  chainId: 31337,
  address: addresses.vault,
  protocol: 'demo',
  abi: parseAbi([withdraw, 'event Deposit(address indexed user, uint256 amount)', 'event Withdraw(address indexed user, address to, uint256 amount)']),
};
const vault2: ResolvedContract = { ...vault, name: 'vault2', address: addresses.proxy };
const max = (1n << 256n) - 1n;

function detector(where?: string, log?: Logger) {
  return createEventDetector({ id: 'big-withdraw', severity: 'high', chainId: 31337, contracts: [vault, vault2], event: 'Withdraw', where, log });
}

function withdrawLog(amount: bigint, logIndex = 0, contract = vault) {
  return encodedLog({ contract, signature: withdraw, args: { user: addresses.alice, amount }, logIndex, tx: txHash(logIndex) });
}

async function run(where: string | undefined, logs: ReturnType<typeof withdrawLog>[], log?: Logger): Promise<Finding[]> {
  return detector(where, log).onBlock(context({ number: 5, logs }), undefined as never);
}

describe('event detector', () => {
  it('raises one finding per matching log, with key, summary, evidence and addresses', async () => {
    const findings = await run('amount >= 100e18', [withdrawLog(99n * 10n ** 18n, 0), withdrawLog(12345n * 10n ** 16n, 1)]);
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding!.key).toBe(`${txHash(1)}-1`);
    expect(finding!.summary).toBe(`Withdraw on vault: user=0xa11C…0a11 amount=123.45e18 (tx ${txHash(1).slice(0, 6)}…${txHash(1).slice(-4)})`);
    expect(finding!.txHashes).toEqual([txHash(1)]);
    expect(finding!.addresses).toEqual([addresses.vault, addresses.alice]);
    expect(finding!.evidence).toEqual({
      contract: 'vault',
      address: addresses.vault,
      event: 'Withdraw',
      logIndex: 1,
      args: { user: addresses.alice, amount: '123450000000000000000' },
    });
    expect(JSON.stringify(finding!.evidence)).toContain('123450000000000000000');
  });

  it.each([
    [undefined, 3],
    ['amount > 0', 2],
    ['amount == 115792089237316195423570985008687907853269984665640564039457584007913129639935', 1],
    ['amount > 9007199254740992', 1], // beyond 2^53: exact
    ['user == 0xa11ce00000000000000000000000000000000a11 and amount < 1', 1],
    ['user != 0xa11ce00000000000000000000000000000000a11', 0],
  ])('where %s matches %i of 3 logs', async (where, count) => {
    const findings = await run(where, [withdrawLog(0n, 0), withdrawLog(1n, 1), withdrawLog(max, 2)]);
    expect(findings).toHaveLength(count);
  });

  it('matches all listed contracts, ignores other events and other addresses', async () => {
    const other = { ...vault, name: 'other', address: addresses.token };
    const logs = [
      withdrawLog(5n, 0, vault),
      withdrawLog(5n, 1, vault2),
      withdrawLog(5n, 2, other),
      encodedLog({ contract: vault, signature: 'event Deposit(address indexed user, uint256 amount)', args: { user: addresses.alice, amount: 5n }, logIndex: 3 }),
    ];
    const findings = await run('amount == 5', logs);
    expect(findings.map((f) => f.evidence?.contract)).toEqual(['vault', 'vault2']);
  });

  it('matches every overload of the event name, each with its own arguments', async () => {
    const overload = encodedLog({
      contract: vault,
      signature: 'event Withdraw(address indexed user, address to, uint256 amount)',
      args: { user: addresses.alice, to: addresses.attacker, amount: 7n },
      logIndex: 4,
    });
    expect(await run('amount == 7', [overload, withdrawLog(7n, 1)])).toHaveLength(2);
    // `to` exists only in the second overload, so the condition cannot compile for the first.
    expect(() => detector('to == user')).toThrow(/params.where: column 1: unknown name "to"; Withdraw has: user, amount/);
  });

  it('decodes logs itself when the follower could not (eventName missing)', async () => {
    const raw = { ...withdrawLog(50n, 0), eventName: undefined, args: {} };
    const findings = await run('amount == 50', [raw]);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.evidence?.args).toEqual({ user: addresses.alice, amount: '50' });
  });

  it('treats an evaluation error as no match and reports it, never throws', async () => {
    const warnings: unknown[] = [];
    const log = { warn: (fields: unknown) => warnings.push(fields) } as unknown as Logger;
    const findings = await run('amount / (amount - 1) > 0', [withdrawLog(1n, 0), withdrawLog(3n, 1)], log);
    expect(findings.map((f) => f.evidence?.logIndex)).toEqual([1]);
    expect(warnings).toEqual([expect.objectContaining({ detector: 'big-withdraw', block: 5, logIndex: 0, error: 'column 8: division by zero' })]);
  });

  it('declares its contracts and event ABIs for log and bloom filtering', () => {
    const built = detector();
    expect(built.watchedAddresses).toEqual([addresses.vault, addresses.proxy] as Address[]);
    expect(built.events?.map((e) => e.inputs.length)).toEqual([2, 3]);
    expect(built.kind).toBe('event');
    expect(built.chainId).toBe(31337);
  });

  it('reports every config problem at once, with paths relative to the detector', () => {
    const empty: ResolvedContract = { ...vault, name: 'empty', abi: parseAbi(['function foo()']) };
    let caught: unknown;
    try {
      createEventDetector({ id: 'x', severity: 'low', chainId: 1, contracts: [vault, empty], event: 'Withdraw', where: 'amout > 1' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).issues).toEqual([
      { path: 'params.where', message: 'column 1: unknown name "amout"; Withdraw has: user, amount' },
      { path: 'params.event', message: 'no event "Withdraw" in the ABI of contract "empty"; it declares no events; add the event signature to its abi' },
    ]);
  });
});
