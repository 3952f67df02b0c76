/**
 * A stand-in for the PagerDuty Events API v2 (POST https://events.pagerduty.com/v2/enqueue).
 *
 * Validates what PagerDuty documents and answers as it does: 202 `{ status: "success", message:
 * "Event processed", dedup_key }`, or 400 `{ status: "invalid event", message: "Event object is
 * invalid", errors }`. Rules: routing_key a 32-character string; event_action trigger, acknowledge or
 * resolve; dedup_key ≤255 (required to acknowledge or resolve); a trigger needs payload.summary
 * (≤1024), payload.source and payload.severity (critical, error, warning, info); timestamp ISO 8601;
 * custom_details an object; links `{ href, text? }`, images `{ src, href?, alt? }`; body ≤512 KB.
 *
 * It also keeps the alerts as PagerDuty would, by routing key and dedup_key: a trigger opens (or adds
 * to) an alert, acknowledge and resolve change an open one and are dropped for an unknown one.
 */
import { check, problemsOf, startVendorServer, type VendorServer } from './server.js';

export interface PagerDutyAlert {
  dedupKey: string;
  routingKey: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  /** Event actions applied, in order. */
  log: string[];
  summary: string;
  severity: string;
}

export interface PagerDutyStandIn extends VendorServer {
  eventsUrl: string;
  routingKey: string;
  alerts: Map<string, PagerDutyAlert>;
  /** Accepted events, as sent. */
  events: Record<string, unknown>[];
}

export function validatePagerDutyEvent(event: unknown, bodyBytes: number): string[] {
  if (bodyBytes > 512 * 1024) return ['payload exceeds 512 KB'];
  if (!check.object(event)) return ['Event object is not an object'];
  const problems = problemsOf(
    ...check.unknownKeys(event, 'event', ['routing_key', 'event_action', 'dedup_key', 'payload', 'images', 'links', 'client', 'client_url']),
    typeof event.routing_key === 'string' && event.routing_key.length === 32 ? undefined : "'routing_key' must be a 32 character string",
    check.oneOf(event.event_action, "'event_action'", ['trigger', 'acknowledge', 'resolve']),
    check.string(event.dedup_key, "'dedup_key'", { min: 1, max: 255 }),
  );
  if (event.event_action !== 'trigger') {
    if (event.dedup_key === undefined) problems.push("'dedup_key' is required for acknowledge and resolve");
    return problems;
  }
  const payload = event.payload;
  if (!check.object(payload)) return [...problems, "'payload' is missing or not an object"];
  problems.push(
    ...problemsOf(
      ...check.unknownKeys(payload, 'payload', ['summary', 'source', 'severity', 'timestamp', 'component', 'group', 'class', 'custom_details']),
      check.string(payload.summary, "'payload.summary'", { min: 1, max: 1024, required: true }),
      check.string(payload.source, "'payload.source'", { min: 1, required: true }),
      check.oneOf(payload.severity, "'payload.severity'", ['critical', 'error', 'warning', 'info']),
      ...['component', 'group', 'class'].map((field) => check.string(payload[field], `'payload.${field}'`)),
    ),
  );
  if (payload.timestamp !== undefined && (typeof payload.timestamp !== 'string' || Number.isNaN(Date.parse(payload.timestamp)))) problems.push("'payload.timestamp' must be ISO 8601");
  if (payload.custom_details !== undefined && !check.object(payload.custom_details)) problems.push("'payload.custom_details' must be an object");
  for (const [field, required] of [['links', 'href'], ['images', 'src']] as const) {
    const list = event[field];
    if (list === undefined) continue;
    if (!Array.isArray(list)) problems.push(`'${field}' must be an array`);
    else list.forEach((item, index) => {
      if (!check.object(item) || typeof item[required] !== 'string') problems.push(`'${field}[${index}].${required}' is required`);
    });
  }
  return problems;
}

export async function startPagerDutyStandIn(routingKey = 'R0uT1nGkEy0123456789abcdefABCDEF'): Promise<PagerDutyStandIn> {
  const alerts = new Map<string, PagerDutyAlert>();
  const events: Record<string, unknown>[] = [];
  const server = await startVendorServer((request) => {
    if (request.method !== 'POST' || request.path !== '/v2/enqueue') return { status: 404, body: { status: 'not found', message: 'Not Found' } };
    const problems = validatePagerDutyEvent(request.json, Buffer.byteLength(request.body));
    if (problems.length > 0) return { status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors: problems }, problems };
    const event = request.json as Record<string, unknown> & { payload?: Record<string, string> };
    events.push(event);
    const action = event.event_action as 'trigger' | 'acknowledge' | 'resolve';
    const dedupKey = (event.dedup_key as string | undefined) ?? crypto.randomUUID();
    const key = `${event.routing_key}/${dedupKey}`;
    const open = alerts.get(key);
    // Events for a resolved alert: a trigger opens a new one, acknowledge and resolve are dropped.
    if (action === 'trigger' && (!open || open.status === 'resolved')) {
      alerts.set(key, { dedupKey, routingKey: event.routing_key as string, status: 'triggered', log: ['trigger'], summary: event.payload!.summary!, severity: event.payload!.severity! });
    } else if (open && open.status !== 'resolved') {
      open.log.push(action);
      if (action === 'trigger') Object.assign(open, { summary: event.payload!.summary!, severity: event.payload!.severity! });
      else open.status = action === 'acknowledge' ? 'acknowledged' : 'resolved';
    }
    return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: dedupKey } };
  });
  return Object.assign(server, { eventsUrl: `${server.origin}/v2/enqueue`, routingKey, alerts, events });
}
