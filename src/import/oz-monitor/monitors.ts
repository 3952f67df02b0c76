/**
 * Monitors → contracts and event detectors (monitor-events.ts), and a report of the rest: function
 * conditions (warden's `call` detector does not exist yet), transaction conditions and filter
 * scripts (warden's event detectors do not see the transaction), monitors matching every transaction.
 */
import { basename } from 'node:path';
import type { OzMonitor, OzMonitorFolder, Sourced } from './input.js';
import type { ContractRegistry } from './contracts.js';
import { eventsOfSpec } from './contracts.js';
import { slugify, uniqueName, type ImportContext } from './draft.js';
import { convertEventConditions, type MonitorAddress, type MonitorChain } from './monitor-events.js';
import type { NetworkInfo } from './networks.js';

/** What the plan and the triggers need to know about a converted monitor. */
export interface ConvertedMonitor {
  source: Sourced<OzMonitor>;
  slug: string;
  /** Ids of its detectors; empty when nothing of it was converted. */
  detectorIds: string[];
}

export function convertMonitors(params: {
  context: ImportContext;
  folder: OzMonitorFolder;
  networks: Map<string, NetworkInfo>;
  contracts: ContractRegistry;
}): ConvertedMonitor[] {
  const slugs = new Set<string>();
  const detectorIds = new Set<string>();
  const sharedAddresses = addressesOfSeveralMonitors(params.folder.monitors);
  return params.folder.monitors.map((source) => {
    const slug = uniqueName(slugify(source.value.name, 'monitor'), slugs);
    return { source, slug, detectorIds: convertMonitor({ ...params, source, slug, detectorIds, sharedAddresses }) };
  });
}

function addressesOfSeveralMonitors(monitors: Sourced<OzMonitor>[]): Set<string> {
  const seen = new Map<string, number>();
  for (const { value } of monitors) {
    for (const address of new Set(value.addresses.map((entry) => entry.address.trim().toLowerCase().replace(/^(0x)?/, '0x')))) {
      seen.set(address, (seen.get(address) ?? 0) + 1);
    }
  }
  return new Set([...seen].filter(([, count]) => count > 1).map(([address]) => address));
}

function convertMonitor(params: {
  context: ImportContext;
  folder: OzMonitorFolder;
  networks: Map<string, NetworkInfo>;
  contracts: ContractRegistry;
  source: Sourced<OzMonitor>;
  slug: string;
  detectorIds: Set<string>;
  sharedAddresses: Set<string>;
}): string[] {
  const { context, source, slug } = params;
  const { file, value: monitor } = source;
  const notConverted = (path: string | undefined, subject: string, reason: string) => context.report.notConverted.push({ file, path, subject, reason });
  const chains = monitorChains(params.networks, monitor, (path, subject, reason) => notConverted(path, subject, reason));
  const addresses: MonitorAddress[] = [];
  monitor.addresses.forEach((entry, index) => {
    if (!/^(0x)?[0-9a-fA-F]{40}$/.test(entry.address.trim())) {
      notConverted(`addresses[${index}]`, `address ${JSON.stringify(entry.address)}`, 'not an EVM address (0x and 40 hex digits)');
      return;
    }
    const events = eventsOfSpec(entry.contract_spec ?? entry.abi);
    if (typeof events === 'string') notConverted(`addresses[${index}]`, `address ${entry.address}`, events);
    else addresses.push({ address: entry.address.trim().replace(/^(0x)?/, '0x'), index, events });
  });
  const { events, functions, transactions } = monitor.match_conditions;
  if (chains.length === 0) {
    notConverted(undefined, `monitor "${monitor.name}"`, 'none of its networks can be imported (see the networks above); nothing of it was converted');
    return [];
  }
  const ids = convertEventConditions({
    context,
    monitor: source,
    slug,
    addresses,
    chains,
    contracts: params.contracts,
    detectorIds: params.detectorIds,
    sharedAddresses: params.sharedAddresses,
  });

  functions.forEach((condition, index) => {
    const where = condition.expression ? ` where ${condition.expression}` : '';
    notConverted(
      `match_conditions.functions[${index}]`,
      `function condition ${condition.signature}${where}`,
      "calls to a function are matched by a `call` detector, which warden does not have yet; OZ Monitor alerted on calls to it",
    );
  });
  reportTransactions({ notConverted, transactions, detectorIds: ids });
  monitor.trigger_conditions.forEach((filter, index) => {
    const name = basename(filter.script_path);
    const found = params.folder.filters.includes(name) ? ` (filters/${name})` : '';
    notConverted(
      `trigger_conditions[${index}]`,
      `filter script ${filter.script_path}${found}`,
      `warden does not run scripts; ${ids.length > 0 ? `the imported detectors (${ids.join(', ')}) fire without this filter, so more often than in OZ Monitor` : 'nothing of this monitor was converted'}`,
    );
  });
  if (events.length === 0 && functions.length === 0 && transactions.length === 0) {
    notConverted('match_conditions', `monitor "${monitor.name}"`, 'with no conditions it matched every transaction touching its addresses; warden has no detector for that — add event conditions for the events that matter');
  }
  if (monitor.paused && ids.length > 0) {
    context.report.differences.push({ file, path: 'paused', subject: `monitor "${monitor.name}"`, reason: `paused in OZ Monitor: its detectors (${ids.join(', ')}) are imported with enabled: false` });
  }
  return ids;
}

/** The monitor's chains (deduplicated by chain id); networks that cannot be followed are reported. */
function monitorChains(
  networks: Map<string, NetworkInfo>,
  monitor: OzMonitor,
  notConverted: (path: string, subject: string, reason: string) => void,
): MonitorChain[] {
  const chains: MonitorChain[] = [];
  monitor.networks.forEach((slug, index) => {
    const info = networks.get(slug);
    if (!info) notConverted(`networks[${index}]`, `network ${slug}`, 'no network with this slug in networks/');
    else if (!info.usable) notConverted(`networks[${index}]`, `network ${slug}`, `not imported: ${info.reason}`);
    else if (!chains.some((chain) => chain.chainId === info.chainId)) chains.push({ chainId: info.chainId, name: slugify(slug, 'chain') });
  });
  return chains;
}

/**
 * OZ Monitor needs a transaction condition AND an event (or function) to match. Logs come only from
 * successful transactions, so a condition on status Success or Any without expression changes nothing
 * for events; anything else narrows the match in a way an event detector cannot see.
 */
function reportTransactions(params: {
  notConverted: (path: string, subject: string, reason: string) => void;
  transactions: OzMonitor['match_conditions']['transactions'];
  detectorIds: string[];
}): void {
  const { transactions, detectorIds } = params;
  const neutral = (status: string, expression?: string | null) => ['success', 'any'].includes(status.toLowerCase()) && !expression;
  if (detectorIds.length > 0 && transactions.some((condition) => neutral(condition.status, condition.expression))) return;
  transactions.forEach((condition, index) => {
    const subject = `transaction condition status ${condition.status}${condition.expression ? ` where ${condition.expression}` : ''}`;
    const reason =
      detectorIds.length > 0
        ? `warden's event detectors do not see the transaction; ${detectorIds.join(', ')} fire on matching events whatever the transaction, so more often than in OZ Monitor`
        : 'warden has no detector on transaction fields yet';
    params.notConverted(`match_conditions.transactions[${index}]`, subject, reason);
  });
}
