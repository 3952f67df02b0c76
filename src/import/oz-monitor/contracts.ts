/**
 * Monitored addresses → warden contracts: one per (chain, address), shared by every monitor that
 * watches it, with an ABI holding only the events its detectors use — written as human-readable
 * signatures (`event Transfer(address indexed from, …)`), or as JSON when a signature would not
 * read back the same.
 */
import { getAddress, parseAbiItem, toEventSelector, toEventSignature, type Abi, type AbiEvent, type AbiParameter } from 'viem';
import { uniqueName, type ImportContext } from './draft.js';

interface ContractRecord {
  name: string;
  chainId: number;
  address: string;
  protocol: string;
  /** By selector, in order of first use. */
  events: Map<string, AbiEvent>;
  /** Where it is monitored (`monitors/x.json addresses[0]`), for the comment. */
  origins: string[];
}

export interface ContractRegistry {
  /** The contract for (chain, address), created with `name` / `protocol` on first use. */
  use(params: { chainId: number; address: string; name: string; protocol: string; origin: string }): ContractRecord;
  /** Adds `event` to the contract's ABI. */
  addEvent(contract: ContractRecord, event: AbiEvent): void;
  /** Chain ids in order of first use. */
  chainIds(): number[];
  /** Writes the contracts into the draft; returns, per contract name, event names with more than one signature in its ABI. */
  write(context: ImportContext): Map<string, string[]>;
}

export function createContractRegistry(): ContractRegistry {
  const byKey = new Map<string, ContractRecord>();
  const names = new Set<string>();
  return {
    use({ chainId, address, name, protocol, origin }) {
      const key = `${chainId}:${address.toLowerCase()}`;
      let record = byKey.get(key);
      if (!record) {
        record = { name: uniqueName(name, names), chainId, address: getAddress(address.toLowerCase()), protocol, events: new Map(), origins: [] };
        byKey.set(key, record);
      }
      if (!record.origins.includes(origin)) record.origins.push(origin);
      return record;
    },
    addEvent(contract, event) {
      const selector = toEventSelector(event);
      if (!contract.events.has(selector)) contract.events.set(selector, event);
    },
    chainIds() {
      return [...new Set([...byKey.values()].filter((c) => c.events.size > 0).map((c) => c.chainId))];
    },
    write(context) {
      const overloads = new Map<string, string[]>();
      for (const record of byKey.values()) {
        if (record.events.size === 0) continue;
        const events = [...record.events.values()];
        const counts = new Map<string, number>();
        for (const event of events) counts.set(event.name, (counts.get(event.name) ?? 0) + 1);
        const repeated = [...counts].filter(([, n]) => n > 1).map(([name]) => name);
        if (repeated.length > 0) overloads.set(record.name, repeated);
        context.draft.contracts.push({
          value: { name: record.name, chain: record.chainId, address: record.address, protocol: record.protocol, abi: abiEntries(events) },
          comment: `${record.origins.join(', ')}; only the events imported detectors use.`,
        });
      }
      context.report.converted.contracts = context.draft.contracts.length;
      return overloads;
    },
  };
}

/** Human-readable signatures when every one reads back to the same event; the JSON items otherwise. */
function abiEntries(events: AbiEvent[]): string[] | Abi {
  const readable = events.map(formatEvent);
  const roundTrips = readable.every((signature, index) => {
    try {
      const parsed = parseAbiItem(signature) as AbiEvent;
      const original = events[index]!;
      return toEventSelector(parsed) === toEventSelector(original) && sameNames(parsed.inputs, original.inputs);
    } catch {
      return false;
    }
  });
  return roundTrips ? readable : (events.map(plainEvent) as unknown as Abi);
}

function sameNames(a: readonly AbiParameter[], b: readonly AbiParameter[]): boolean {
  return a.every((input, index) => {
    const other = b[index]!;
    if ((input.name ?? '') !== (other.name ?? '')) return false;
    if (('indexed' in input && input.indexed) !== ('indexed' in other && other.indexed)) return false;
    const [ac, bc] = [(input as { components?: AbiParameter[] }).components, (other as { components?: AbiParameter[] }).components];
    return !ac || !bc || sameNames(ac, bc);
  });
}

/** `event Transfer(address indexed from, address indexed to, uint256 value)`. */
export function formatEvent(event: AbiEvent): string {
  return `event ${event.name}(${event.inputs.map((input) => formatParameter(input)).join(', ')})`;
}

function formatParameter(parameter: AbiParameter): string {
  const components = (parameter as { components?: readonly AbiParameter[] }).components;
  const type = parameter.type.startsWith('tuple') && components ? `(${components.map(formatParameter).join(', ')})${parameter.type.slice(5)}` : parameter.type;
  const indexed = 'indexed' in parameter && parameter.indexed ? ' indexed' : '';
  return `${type}${indexed}${parameter.name ? ` ${parameter.name}` : ''}`;
}

/** The event as a JSON ABI item without OZ-irrelevant extras (internalType stays: viem ignores it). */
function plainEvent(event: AbiEvent): Record<string, unknown> {
  return { type: 'event', name: event.name, anonymous: event.anonymous ?? false, inputs: event.inputs };
}

/** `Transfer(address,address,uint256)`, as OZ Monitor compares signatures: no spaces, any case. */
export function normalizedSignature(signature: string): string {
  return signature.replaceAll(' ', '').toLowerCase();
}

/** The events of a contract_spec (a JSON ABI), or why there are none. */
export function eventsOfSpec(spec: unknown): AbiEvent[] | string {
  if (spec === undefined || spec === null) return 'it has no contract_spec (ABI); add the contract ABI to the monitor';
  if (!Array.isArray(spec)) return 'its contract_spec is not a JSON ABI (a list of items)';
  return spec.filter(
    (item): item is AbiEvent =>
      typeof item === 'object' && item !== null && (item as AbiEvent).type === 'event' && typeof (item as AbiEvent).name === 'string' && Array.isArray((item as AbiEvent).inputs),
  );
}

/** OZ Monitor's canonical event signature (types only), for matching `signature` fields. */
export function eventSignature(event: AbiEvent): string {
  return toEventSignature(event);
}
