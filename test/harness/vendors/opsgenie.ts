/**
 * A stand-in for the Opsgenie Alert API v2 (https://api.opsgenie.com, or api.eu.opsgenie.com).
 *
 * Checks `Authorization: GenieKey <key>` (else 401) and validates what Opsgenie documents, answering
 * 202 `{ result: "Request will be processed", took, requestId }` or 422 `{ message: "Request body is
 * not processable. Please check the errors.", errors, took, requestId }`:
 * - POST /v2/alerts: message required ≤130; alias ≤512; description ≤15000; responders ≤50 of
 *   `{ type: team|user|escalation|schedule, id|name|username }`; tags ≤20 of ≤50; details a string map
 *   (≤8000 characters in all); entity ≤512; source ≤100; priority P1-P5; user ≤100; note ≤25000.
 * - POST /v2/alerts/<identifier>/acknowledge|close|notes?identifierType=id|tiny|alias: user ≤100,
 *   source ≤100, note ≤25000 (required for notes).
 * Requests are applied at once (Opsgenie processes them asynchronously; an unknown alias there only
 * shows in the request status): alerts are kept by alias, a create for an open alias only counts.
 */
import { check, problemsOf, startVendorServer, type VendorServer } from './server.js';

export interface OpsgenieAlert {
  alias: string;
  message: string;
  priority: string;
  status: 'open' | 'closed';
  acknowledged: boolean;
  count: number;
  notes: string[];
  /** Actions applied, in order: create, notes, acknowledge, close. */
  log: string[];
  acknowledgedBy?: string;
}

export interface OpsgenieStandIn extends VendorServer {
  apiUrl: string;
  apiKey: string;
  alerts: Map<string, OpsgenieAlert>;
}

const responderTypes = ['team', 'user', 'escalation', 'schedule'];

export function validateOpsgenieCreate(body: unknown): string[] {
  if (!check.object(body)) return ['body must be a JSON object'];
  const problems = problemsOf(
    ...check.unknownKeys(body, 'body', ['message', 'alias', 'description', 'responders', 'visibleTo', 'actions', 'tags', 'details', 'entity', 'source', 'priority', 'user', 'note']),
    typeof body.message === 'string' && body.message.trim() !== '' ? check.string(body.message, 'message', { max: 130 }) : 'Message can not be empty.',
    check.string(body.alias, 'alias', { max: 512 }),
    check.string(body.description, 'description', { max: 15_000 }),
    check.string(body.entity, 'entity', { max: 512 }),
    check.string(body.source, 'source', { max: 100 }),
    check.string(body.user, 'user', { max: 100 }),
    check.string(body.note, 'note', { max: 25_000 }),
    check.oneOf(body.priority, 'priority', ['P1', 'P2', 'P3', 'P4', 'P5'], false),
  );
  if (body.responders !== undefined) {
    if (!Array.isArray(body.responders) || body.responders.length > 50) problems.push('responders: an array of at most 50');
    else body.responders.forEach((responder, index) => {
      if (!check.object(responder) || !responderTypes.includes(responder.type as string) || ![responder.id, responder.name, responder.username].some((v) => typeof v === 'string')) {
        problems.push(`responders[${index}] needs a type (team, user, escalation, schedule) and an id, name or username`);
      }
    });
  }
  if (body.tags !== undefined && (!Array.isArray(body.tags) || body.tags.length > 20 || body.tags.some((tag) => typeof tag !== 'string' || tag.length > 50))) problems.push('tags: at most 20 strings of at most 50 characters');
  if (body.details !== undefined) {
    if (!check.object(body.details) || Object.values(body.details).some((value) => typeof value !== 'string')) problems.push('details must map strings to strings');
    else if (Object.entries(body.details).reduce((sum, [key, value]) => sum + key.length + (value as string).length, 0) > 8000) problems.push('details: at most 8000 characters in total');
  }
  return problems;
}

export function validateOpsgenieAction(body: unknown, action: string): string[] {
  if (!check.object(body)) return ['body must be a JSON object'];
  return problemsOf(
    ...check.unknownKeys(body, 'body', ['user', 'source', 'note']),
    check.string(body.user, 'user', { max: 100 }),
    check.string(body.source, 'source', { max: 100 }),
    check.string(body.note, 'note', { max: 25_000, min: action === 'notes' ? 1 : 0, required: action === 'notes' }),
  );
}

export async function startOpsgenieStandIn(apiKey = '3f2a9c1e-0b7d-4e5f-9a8b-genie0key0001'): Promise<OpsgenieStandIn> {
  const alerts = new Map<string, OpsgenieAlert>();
  const accepted = () => ({ status: 202, body: { result: 'Request will be processed', took: 0.01, requestId: crypto.randomUUID() } });
  const unprocessable = (problems: string[]) => ({
    status: 422,
    body: { message: 'Request body is not processable. Please check the errors.', errors: problems, took: 0.01, requestId: crypto.randomUUID() },
    problems,
  });
  const server = await startVendorServer((request) => {
    if (request.headers.authorization !== `GenieKey ${apiKey}`) return { status: 401, body: { message: 'Could not authenticate', took: 0, requestId: crypto.randomUUID() }, problems: ['bad GenieKey'] };
    if (request.method === 'POST' && request.path === '/v2/alerts') {
      const problems = validateOpsgenieCreate(request.json);
      if (problems.length > 0) return unprocessable(problems);
      const body = request.json as Record<string, string>;
      const alias = body.alias ?? body.message!;
      const open = alerts.get(alias);
      if (open && open.status === 'open') {
        open.count++;
        open.log.push('create');
      } else alerts.set(alias, { alias, message: body.message!, priority: body.priority ?? 'P3', status: 'open', acknowledged: false, count: 1, notes: [], log: ['create'] });
      return accepted();
    }
    const action = /^\/v2\/alerts\/([^/]+)\/(acknowledge|close|notes)$/.exec(request.path);
    if (request.method === 'POST' && action) {
      const identifierType = request.query.identifierType ?? 'id';
      if (!['id', 'tiny', 'alias'].includes(identifierType)) return unprocessable([`identifierType must be id, tiny or alias`]);
      const problems = validateOpsgenieAction(request.json, action[2]!);
      if (problems.length > 0) return unprocessable(problems);
      const alert = identifierType === 'alias' ? alerts.get(action[1]!) : undefined;
      const body = request.json as Record<string, string>;
      if (alert && alert.status === 'open') {
        alert.log.push(action[2]!);
        if (body.note) alert.notes.push(body.note);
        if (action[2] === 'acknowledge') Object.assign(alert, { acknowledged: true, acknowledgedBy: body.user });
        if (action[2] === 'close') alert.status = 'closed';
      }
      return accepted();
    }
    return { status: 404, body: { message: 'Not found', took: 0, requestId: crypto.randomUUID() } };
  });
  return Object.assign(server, { apiUrl: server.origin, apiKey, alerts });
}
