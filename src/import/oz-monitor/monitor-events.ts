/**
 * A monitor's event conditions → warden `event` detectors, one per event signature and chain.
 *
 * OZ Monitor matches a log when its address is monitored, its ABI decodes it to the condition's
 * signature (compared without spaces, ignoring case) and the expression holds; several conditions
 * with the same signature are alternatives. So: conditions are grouped by signature and their
 * translated expressions joined with `or` (a condition without expression matches every such event);
 * the detector watches the monitor's addresses whose ABI has that event.
 */
import type { AbiEvent } from 'viem';
import type { OzMonitor, Sourced } from './input.js';
import type { ContractRegistry } from './contracts.js';
import { eventSignature, normalizedSignature } from './contracts.js';
import { importedSeverity, slugify, uniqueName, type ImportContext } from './draft.js';
import { translateOzExpression } from './expression-translate.js';

/** A monitored address whose contract_spec could be read. */
export interface MonitorAddress {
  address: string;
  /** Index in the monitor's `addresses`, for messages. */
  index: number;
  events: AbiEvent[];
}

export interface MonitorChain {
  chainId: number;
  name: string;
}

export interface ConvertEventConditionsParameters {
  context: ImportContext;
  monitor: Sourced<OzMonitor>;
  /** The monitor's slug: protocol name and id prefix. */
  slug: string;
  addresses: MonitorAddress[];
  chains: MonitorChain[];
  contracts: ContractRegistry;
  /** Detector ids taken so far (ids are unique across the whole config). */
  detectorIds: Set<string>;
  /** Lowercase addresses more than one monitor watches: their contracts are named by address, not by monitor. */
  sharedAddresses: Set<string>;
}

/** Writes the detectors; returns their ids. Conditions that cannot be converted are reported. */
export function convertEventConditions(params: ConvertEventConditionsParameters): string[] {
  const { context, monitor, slug } = params;
  const { file, value } = monitor;
  const ids: string[] = [];
  const groups = new Map<string, { signature: string; indexes: number[] }>();
  value.match_conditions.events.forEach((condition, index) => {
    const key = normalizedSignature(condition.signature);
    const group = groups.get(key) ?? { signature: condition.signature, indexes: [] };
    group.indexes.push(index);
    groups.set(key, group);
  });
  for (const [key, group] of groups) {
    const path = `match_conditions.events[${group.indexes[0]}]`;
    const matches = params.addresses.flatMap((address) => {
      const event = address.events.find((candidate) => normalizedSignature(eventSignature(candidate)) === key);
      return event ? [{ address, event }] : [];
    });
    if (matches.length === 0) {
      const reason = `no monitored address has this event in its contract_spec, so OZ Monitor never matched it; add the event to the ABI`;
      context.report.notConverted.push({ file, path, subject: `event condition ${group.signature}`, reason });
      continue;
    }
    // Addresses whose ABIs name or index the event's parameters differently need their own translation.
    const variants = new Map<string, typeof matches>();
    for (const match of matches) {
      const shape = JSON.stringify(match.event.inputs.map((input) => [input.name, input.type, 'indexed' in input && input.indexed]));
      variants.set(shape, [...(variants.get(shape) ?? []), match]);
    }
    for (const variant of variants.values()) {
      const event = variant[0]!.event;
      const where = whereFor({ context, file, event, indexes: group.indexes, conditions: value.match_conditions.events });
      if (where === false) continue;
      for (const chain of params.chains) {
        const contracts = variant.map(({ address }) => {
          const shared = params.sharedAddresses.has(address.address.toLowerCase());
          const base = shared ? `contract-${address.address.slice(2, 10).toLowerCase()}` : params.addresses.length > 1 ? `${slug}-${address.index + 1}` : slug;
          const record = params.contracts.use({
            chainId: chain.chainId,
            address: address.address,
            name: params.chains.length > 1 ? `${base}-${chain.name}` : base,
            protocol: slug,
            origin: `${file} addresses[${address.index}]`,
          });
          params.contracts.addEvent(record, event);
          return record.name;
        });
        const uniqueContracts = [...new Set(contracts)];
        const wanted = `${slug}-${slugify(event.name, 'event')}${params.chains.length > 1 ? `-${chain.name}` : ''}`;
        const id = uniqueName(wanted, params.detectorIds);
        const detectorParams: Record<string, unknown> = { contracts: uniqueContracts, event: event.name };
        if (where.where !== undefined) detectorParams.where = where.where;
        const detector: Record<string, unknown> = { id, kind: 'event', severity: importedSeverity };
        if (value.paused) detector.enabled = false;
        detector.params = detectorParams;
        context.draft.detectors.push({ value: detector, comment: detectorComment(file, value, group.indexes, eventSignature(event)) });
        for (const note of where.notes) context.report.differences.push({ file, path: `${path}.expression`, subject: `detector ${id}`, reason: note });
        ids.push(id);
      }
    }
  }
  return ids;
}

/** The joined `where` (undefined: match every such event), or false when some condition cannot be converted (reported). */
function whereFor(params: {
  context: ImportContext;
  file: string;
  event: AbiEvent;
  indexes: number[];
  conditions: OzMonitor['match_conditions']['events'];
}): { where: string | undefined; notes: string[] } | false {
  // null: no expression, every such event matches; "" is an expression OZ Monitor rejects (never matched).
  const expressions = params.indexes.map((index) => ({ index, source: params.conditions[index]!.expression }));
  if (expressions.some((expression) => expression.source === null || expression.source === undefined)) return { where: undefined, notes: [] };
  const translated: string[] = [];
  const notes: string[] = [];
  let failed = false;
  for (const { index, source = '' } of expressions as { index: number; source: string }[]) {
    const result = translateOzExpression({ source, event: params.event });
    if (result.ok) {
      translated.push(result.where);
      notes.push(...result.notes);
      continue;
    }
    failed = true;
    params.context.report.notConverted.push({
      file: params.file,
      path: `match_conditions.events[${index}].expression`,
      subject: `event condition ${params.conditions[index]!.signature} where ${source}`,
      reason: `column ${result.column}: ${result.reason}`,
    });
  }
  if (failed) return false;
  const where = translated.length === 1 ? translated[0]! : translated.map((text) => `(${text})`).join(' or ');
  return { where, notes: [...new Set(notes)] };
}

function detectorComment(file: string, monitor: OzMonitor, indexes: number[], signature: string): string {
  const lines = [`${file} "${monitor.name}", match_conditions.events[${indexes.join(', ')}]: ${signature}`];
  for (const index of indexes) {
    const expression = monitor.match_conditions.events[index]!.expression;
    if (expression) lines.push(`  OZ Monitor expression: ${expression}`);
  }
  if (monitor.paused) lines.push('Paused in OZ Monitor: imported disabled.');
  return lines.join('\n');
}
