/** Incident records for people: a table of incidents, or one incident with its timeline. */
import type { Incident, IncidentSummary } from '../incidents/store.js';
import { formatTable } from './table.js';

export function formatIncidentTable(incidents: IncidentSummary[]): string {
  if (incidents.length === 0) return 'no incidents';
  return formatTable(
    incidents.map((incident) => ({
      id: incident.id,
      status: incident.status,
      severity: incident.severity,
      protocol: incident.protocol,
      chain: incident.chainId,
      anomalies: incident.anomalyIds.length,
      opened: new Date(incident.createdAt).toISOString(),
    })),
    ['id', 'status', 'severity', 'protocol', 'chain', 'anomalies', 'opened'],
  );
}

function describeData(data: Record<string, unknown>): string {
  return Object.entries(data)
    .filter(([, value]) => value !== undefined && value !== null && typeof value !== 'object')
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
}

export function formatIncident(incident: Incident): string {
  const head = [
    `incident  ${incident.id}`,
    `status    ${incident.status}`,
    `severity  ${incident.severity}`,
    `protocol  ${incident.protocol} (chain ${incident.chainId})`,
    `opened    ${new Date(incident.createdAt).toISOString()}`,
    `anomalies ${incident.anomalyIds.join(', ')}`,
    '',
    'timeline',
  ];
  const start = incident.timeline[0]?.at ?? incident.createdAt;
  const lines = incident.timeline.map((entry) => {
    const offset = `+${((entry.at - start) / 1000).toFixed(3)}s`.padStart(10);
    return `  ${new Date(entry.at).toISOString()} ${offset}  ${entry.type.padEnd(20)} ${describeData(entry.data ?? {})}`;
  });
  return [...head, ...lines].join('\n');
}
