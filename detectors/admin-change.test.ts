import { describe, expect, it } from 'vitest';
import { keccak256, parseAbi, toHex, type Hex } from 'viem';
import type { ResolvedContract } from '../src/config/contracts.js';
import { createAdminChangeDetector, type AdminChangeDetectorParameters } from './admin-change.js';
import { addresses, context, encodedLog, txHash } from './test-helpers.js';
import type { DecodedLog } from './types.js';

// The user's ABI knows none of the admin events: the detector must decode them on its own.
const vault: ResolvedContract = { name: 'vault', chainId: 31337, address: addresses.vault, protocol: 'demo', abi: parseAbi(['function withdraw(uint256)']) };
const stranger: ResolvedContract = { ...vault, name: 'stranger', address: addresses.token };
const pauserRole = keccak256(toHex('PAUSER_ROLE'));
const zero = `0x${'0'.repeat(64)}` as Hex;
const { alice, attacker, guardian, proxy } = addresses;

function detector(overrides: Partial<AdminChangeDetectorParameters> = {}) {
  return createAdminChangeDetector({ id: 'admin', severity: 'high', chainId: 31337, contracts: [vault], guardianAddresses: [guardian], ...overrides });
}

function log(signature: string, args: Record<string, unknown>, contract = vault, logIndex = 0): DecodedLog {
  return encodedLog({ contract, signature, args, logIndex, tx: txHash(logIndex) });
}

const short = (value: string) => `${value.slice(0, 6)}…${value.slice(-4)}`;

const cases: [string, DecodedLog, string, string][] = [
  [
    'OwnershipTransferred',
    log('event OwnershipTransferred(address indexed previousOwner, address indexed newOwner)', { previousOwner: alice, newOwner: attacker }),
    'ownership',
    `ownership of vault transferred: ${short(alice)} → ${short(attacker)}`,
  ],
  [
    'OwnershipTransferStarted',
    log('event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner)', { previousOwner: alice, newOwner: attacker }),
    'ownership',
    `ownership transfer of vault started: ${short(alice)} → ${short(attacker)} (pending acceptance)`,
  ],
  [
    'RoleGranted',
    log('event RoleGranted(bytes32 indexed role, address indexed account, address indexed sender)', { role: pauserRole, account: attacker, sender: alice }),
    'roles',
    `vault: PAUSER_ROLE granted to ${short(attacker)} by ${short(alice)}`,
  ],
  [
    'RoleRevoked',
    log('event RoleRevoked(bytes32 indexed role, address indexed account, address indexed sender)', { role: zero, account: guardian, sender: attacker }),
    'roles',
    `vault: DEFAULT_ADMIN_ROLE revoked from ${short(guardian)} by ${short(attacker)}`,
  ],
  [
    'RoleAdminChanged',
    log('event RoleAdminChanged(bytes32 indexed role, bytes32 indexed previousAdminRole, bytes32 indexed newAdminRole)', {
      role: pauserRole,
      previousAdminRole: zero,
      newAdminRole: keccak256(toHex('SOMETHING')),
    }),
    'roles',
    `vault: admin role of PAUSER_ROLE changed: DEFAULT_ADMIN_ROLE → role ${short(keccak256(toHex('SOMETHING')))}`,
  ],
  ['Upgraded', log('event Upgraded(address indexed implementation)', { implementation: proxy }), 'upgrades', `vault upgraded to implementation ${short(proxy)}`],
  [
    'AdminChanged',
    log('event AdminChanged(address previousAdmin, address newAdmin)', { previousAdmin: alice, newAdmin: attacker }),
    'upgrades',
    `vault proxy admin changed: ${short(alice)} → ${short(attacker)}`,
  ],
  ['BeaconUpgraded', log('event BeaconUpgraded(address indexed beacon)', { beacon: proxy }), 'upgrades', `vault beacon upgraded to ${short(proxy)}`],
  ['Paused', log('event Paused(address account)', { account: attacker }), 'pause', `vault paused by ${short(attacker)} (not warden's guardian)`],
  [
    'Paused (indexed account)',
    log('event Paused(address indexed account)', { account: attacker }),
    'pause',
    `vault paused by ${short(attacker)} (not warden's guardian)`,
  ],
  [
    'Unpaused',
    log('event Unpaused(address account)', { account: attacker }),
    'pause',
    `vault UNPAUSED by ${short(attacker)} (not warden's guardian: the protocol was resumed)`,
  ],
];

describe('admin-change detector', () => {
  it.each(cases)('%s is decoded without the user ABI and raised', async (_name, entry, change, summary) => {
    expect(entry.eventName).toBeUndefined(); // the follower could not decode it
    const findings = await detector().onBlock(context({ number: 9, logs: [entry] }), undefined as never);
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding!.summary).toBe(`${summary} (tx ${short(txHash(0))})`);
    expect(finding!.key).toBe(`${txHash(0)}-0`);
    expect(finding!.txHashes).toEqual([txHash(0)]);
    expect(finding!.addresses![0]).toBe(addresses.vault);
    expect(finding!.evidence).toMatchObject({ contract: 'vault', address: addresses.vault, change, logIndex: 0 });
  });

  it('carries decoded args and role names in the evidence', async () => {
    const [, entry] = cases[2]!;
    const [finding] = await detector().onBlock(context({ number: 9, logs: [entry] }), undefined as never);
    expect(finding!.evidence).toEqual({
      contract: 'vault',
      address: addresses.vault,
      event: 'RoleGranted',
      change: 'roles',
      logIndex: 0,
      args: { role: pauserRole, account: attacker, sender: alice },
      roleName: 'PAUSER_ROLE',
    });
    expect(finding!.addresses).toEqual([addresses.vault, attacker, alice]);
  });

  it("ignores Paused/Unpaused sent by warden's guardian (any address case)", async () => {
    const logs = [
      log('event Paused(address account)', { account: guardian }, vault, 0),
      log('event Unpaused(address indexed account)', { account: guardian }, vault, 1),
    ];
    expect(await detector({ guardianAddresses: [guardian.toUpperCase().replace('0X', '0x') as Hex] }).onBlock(context({ number: 9, logs }), undefined as never)).toEqual([]);
    // Without a guardian configured, the same logs are someone else's doing.
    expect(await detector({ guardianAddresses: [] }).onBlock(context({ number: 9, logs }), undefined as never)).toHaveLength(2);
  });

  it('skips ignored kinds', async () => {
    const logs = cases.map(([, entry], index) => ({ ...entry, logIndex: index }));
    const findings = await detector({ ignore: ['roles', 'pause'] }).onBlock(context({ number: 9, logs }), undefined as never);
    expect(findings.map((f) => f.evidence?.change)).toEqual(['ownership', 'ownership', 'upgrades', 'upgrades', 'upgrades']);
    expect(detector({ ignore: ['roles', 'pause', 'upgrades'] }).events?.map((e) => e.name)).toEqual([
      'OwnershipTransferred',
      'OwnershipTransferred',
      'OwnershipTransferStarted',
    ]);
  });

  it('ignores other contracts, other events, and logs whose layout does not fit', async () => {
    const logs = [
      log('event OwnershipTransferred(address indexed previousOwner, address indexed newOwner)', { previousOwner: alice, newOwner: attacker }, stranger),
      log('event Transfer(address indexed from, address indexed to, uint256 value)', { from: alice, to: attacker, value: 1n }),
      // Same selector as Upgraded(address) but no argument at all: undecodable, so not raised.
      { ...cases[5]![1], topics: [cases[5]![1].topics[0]!], data: '0x' as Hex },
    ];
    expect(await detector().onBlock(context({ number: 9, logs }), undefined as never)).toEqual([]);
  });

  it('watches its contracts', () => {
    const built = detector({ contracts: [vault, stranger] });
    expect(built.watchedAddresses).toEqual([addresses.vault, addresses.token]);
    expect(built.kind).toBe('admin-change');
    expect(built.severity).toBe('high');
  });
});
