/**
 * The generic webhook: POSTs one JSON document per incident event.
 *
 * Guarantees: never throws (a failed notification must not disturb containment; the caller records
 * `notification-failed`); each attempt is bounded by `timeoutMs`; the URL is treated as a secret and
 * appears in no returned error (only the webhook id does).
 *
 * @example
 * const result = await sendWebhook({ webhook, payload: { event: 'incident.contained', incident, text } });
 * if (!result.ok) record('notification-failed', { webhook: webhook.id, error: result.error });
 */
import type { Anomaly, Severity } from '../detectors/types.js';
import type { WebhookConfig } from '../src/config/schema.js';
import type { IncidentStatus } from '../src/incidents/types.js';

export interface WebhookPayload {
  event: string;
  incident: { id: string; status: IncidentStatus; severity: Severity; protocol: string; chainId: number };
  /** The anomaly without its evidence and timing (receivers get the facts a person needs). */
  anomaly?: Pick<Anomaly, 'id' | 'detectorId' | 'severity' | 'chainId' | 'blockNumber' | 'blockHash' | 'txHashes' | 'summary' | 'addresses'>;
  /** One line for people (chat apps show it as is). */
  text: string;
}

export type WebhookResult = { ok: true; status: number; attempts: number } | { ok: false; error: string; attempts: number };

export interface SendWebhookParameters {
  webhook: Pick<WebhookConfig, 'id' | 'url'> & { timeout?: number };
  payload: WebhookPayload;
  /** Attempts in total (first try + retries). Default 3. */
  attempts?: number;
  /** Delay before the first retry, doubled after each. Default 200 ms. */
  retryDelayMs?: number;
  fetch?: typeof fetch;
}

export async function sendWebhook(params: SendWebhookParameters): Promise<WebhookResult> {
  const { webhook, payload } = params;
  const doFetch = params.fetch ?? fetch;
  const attempts = params.attempts ?? 3;
  const timeoutMs = Math.round((webhook.timeout ?? 5) * 1000);
  let error = 'not sent';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await doFetch(webhook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'warden' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined); // drain, so the connection is reused
      if (response.ok) return { ok: true, status: response.status, attempts: attempt };
      error = `webhook ${webhook.id} answered HTTP ${response.status}`;
      // A client error will not go away by retrying (except throttling).
      if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
        return { ok: false, error, attempts: attempt };
      }
    } catch (caught) {
      error = `webhook ${webhook.id} failed: ${describeFetchError(caught, timeoutMs)}`;
    }
    if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, (params.retryDelayMs ?? 200) * 2 ** (attempt - 1)));
  }
  return { ok: false, error: scrub(error, webhook.url), attempts };
}

/** The kind of failure only: fetch's messages and causes may quote the url. */
function describeFetchError(error: unknown, timeoutMs: number): string {
  const name = (error as Error)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const code = (error as { cause?: { code?: string } })?.cause?.code;
  return code ? `connection error ${code}` : 'network error';
}

function scrub(text: string, url: string): string {
  return url ? text.split(url).join('[webhook url]') : text;
}
