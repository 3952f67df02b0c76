/**
 * `admin-change` detector: ownership transfers, AccessControl role changes, proxy upgrades
 * (ERC-1967 Upgraded / AdminChanged / BeaconUpgraded) and Paused/Unpaused on the listed contracts.
 *
 * It decodes those events itself from topics and data with its own ABIs, because users rarely
 * paste them into a contract's ABI: it works with any contract. Paused/Unpaused sent by warden's
 * own guardian is warden's doing and is ignored; an Unpaused by anyone else is called out, since it
 * undoes a containment.
 */
import { knownRoleName } from '../src/access-control.js';
import { decodeEventLog, parseAbiItem, toEventSelector, type AbiEvent, type Address, type Hex } from 'viem';
import type { ResolvedContract } from '../src/config/contracts.js';
import { uniqueAddresses } from './event.js';
import { shortHex } from './format.js';
import { jsonSafe, type BlockContext, type Detector, type Finding, type Severity } from './types.js';

export const adminChangeKinds = ['ownership', 'roles', 'upgrades', 'pause'] as const;
export type AdminChangeKind = (typeof adminChangeKinds)[number];

export interface AdminChangeDetectorParameters {
  id: string;
  severity: Severity;
  chainId: number;
  contracts: ResolvedContract[];
  /** Change kinds to skip. */
  ignore?: AdminChangeKind[];
  /** warden's own guardian account(s): their Paused/Unpaused are ignored. */
  guardianAddresses?: Address[];
}

interface WatchedEvent {
  kind: AdminChangeKind;
  /** Same selector, different indexing: contracts in the wild use both, and decoding must match the layout. */
  layouts: AbiEvent[];
  describe(contract: string, args: Record<string, unknown>): string;
}

const event = (signature: string) => parseAbiItem(signature) as AbiEvent;
const addr = (value: unknown) => shortHex(String(value));

const watchedEvents: WatchedEvent[] = [
  {
    kind: 'ownership',
    layouts: [
      event('event OwnershipTransferred(address indexed previousOwner, address indexed newOwner)'),
      event('event OwnershipTransferred(address previousOwner, address newOwner)'),
    ],
    describe: (c, a) => `ownership of ${c} transferred: ${addr(a.previousOwner)} → ${addr(a.newOwner)}`,
  },
  {
    kind: 'ownership',
    layouts: [event('event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner)')],
    describe: (c, a) => `ownership transfer of ${c} started: ${addr(a.previousOwner)} → ${addr(a.newOwner)} (pending acceptance)`,
  },
  {
    kind: 'roles',
    layouts: [event('event RoleGranted(bytes32 indexed role, address indexed account, address indexed sender)')],
    describe: (c, a) => `${c}: ${roleName(a.role)} granted to ${addr(a.account)} by ${addr(a.sender)}`,
  },
  {
    kind: 'roles',
    layouts: [event('event RoleRevoked(bytes32 indexed role, address indexed account, address indexed sender)')],
    describe: (c, a) => `${c}: ${roleName(a.role)} revoked from ${addr(a.account)} by ${addr(a.sender)}`,
  },
  {
    kind: 'roles',
    layouts: [event('event RoleAdminChanged(bytes32 indexed role, bytes32 indexed previousAdminRole, bytes32 indexed newAdminRole)')],
    describe: (c, a) => `${c}: admin role of ${roleName(a.role)} changed: ${roleName(a.previousAdminRole)} → ${roleName(a.newAdminRole)}`,
  },
  {
    kind: 'upgrades',
    layouts: [event('event Upgraded(address indexed implementation)'), event('event Upgraded(address implementation)')],
    describe: (c, a) => `${c} upgraded to implementation ${addr(a.implementation)}`,
  },
  {
    kind: 'upgrades',
    layouts: [
      event('event AdminChanged(address previousAdmin, address newAdmin)'),
      event('event AdminChanged(address indexed previousAdmin, address indexed newAdmin)'),
    ],
    describe: (c, a) => `${c} proxy admin changed: ${addr(a.previousAdmin)} → ${addr(a.newAdmin)}`,
  },
  {
    kind: 'upgrades',
    layouts: [event('event BeaconUpgraded(address indexed beacon)'), event('event BeaconUpgraded(address beacon)')],
    describe: (c, a) => `${c} beacon upgraded to ${addr(a.beacon)}`,
  },
  {
    kind: 'pause',
    layouts: [event('event Paused(address account)'), event('event Paused(address indexed account)')],
    describe: (c, a) => `${c} paused by ${addr(a.account)} (not warden's guardian)`,
  },
  {
    kind: 'pause',
    layouts: [event('event Unpaused(address account)'), event('event Unpaused(address indexed account)')],
    describe: (c, a) => `${c} UNPAUSED by ${addr(a.account)} (not warden's guardian: the protocol was resumed)`,
  },
];

const eventsBySelector = new Map<Hex, WatchedEvent>(watchedEvents.map((watched) => [toEventSelector(watched.layouts[0]!), watched]));

function roleName(role: unknown): string {
  const hex = String(role).toLowerCase();
  return knownRoleName(hex) ?? `role ${shortHex(hex)}`;
}

/** Builds the detector; it needs nothing from the contracts' ABIs, so it cannot fail on them. */
export function createAdminChangeDetector(params: AdminChangeDetectorParameters): Detector {
  const ignored = new Set(params.ignore ?? []);
  const guardians = new Set((params.guardianAddresses ?? []).map((address) => address.toLowerCase()));
  const contractsByAddress = new Map(params.contracts.map((contract) => [contract.address.toLowerCase(), contract]));
  return {
    id: params.id,
    kind: 'admin-change',
    severity: params.severity,
    chainId: params.chainId,
    watchedAddresses: params.contracts.map((contract) => contract.address),
    events: watchedEvents.filter((watched) => !ignored.has(watched.kind)).flatMap((watched) => watched.layouts),
    onBlock(ctx: BlockContext): Finding[] {
      const findings: Finding[] = [];
      for (const log of ctx.logs) {
        const contract = contractsByAddress.get(log.address.toLowerCase());
        const watched = log.topics[0] ? eventsBySelector.get(log.topics[0].toLowerCase() as Hex) : undefined;
        if (!contract || !watched || ignored.has(watched.kind)) continue;
        const decoded = decode(watched, log.topics, log.data);
        if (!decoded) continue;
        const { name, args } = decoded;
        if (watched.kind === 'pause' && guardians.has(String(args.account).toLowerCase())) continue;
        const addressArgs = Object.values(args).filter((value): value is Address => typeof value === 'string' && /^0x[0-9a-fA-F]{40}$/.test(value));
        findings.push({
          key: `${log.transactionHash}-${log.logIndex}`,
          summary: `${watched.describe(contract.name, args)} (tx ${shortHex(log.transactionHash)})`,
          txHashes: [log.transactionHash],
          addresses: uniqueAddresses([contract.address, ...addressArgs]),
          evidence: {
            contract: contract.name,
            address: contract.address,
            event: name,
            change: watched.kind,
            logIndex: log.logIndex,
            args: jsonSafe(args),
            ...('role' in args ? { roleName: roleName(args.role) } : {}),
          },
        });
      }
      return findings;
    },
  };
}

function decode(watched: WatchedEvent, topics: Hex[], data: Hex): { name: string; args: Record<string, unknown> } | undefined {
  for (const layout of watched.layouts) {
    try {
      const decoded = decodeEventLog({ abi: [layout], topics: topics as [Hex, ...Hex[]], data, strict: true });
      return { name: layout.name, args: decoded.args as unknown as Record<string, unknown> };
    } catch {
      // Try the next layout; a log matching none is some other event with a colliding name.
    }
  }
  return undefined;
}
