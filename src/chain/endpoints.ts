/**
 * Health of a chain's HTTP endpoints: which are in rotation, in which order requests try them.
 *
 * - An endpoint whose request errs or times out is taken out of rotation for a cool-down (5 s,
 *   doubling while it keeps failing, at most 2 min); it is tried again when that ends, or at once
 *   when a background sample or a last-resort request succeeds.
 * - In the background (never per block on the hot path) every endpoint's `eth_blockNumber` is
 *   sampled; one more than `maxLag` blocks behind the best head seen is taken out until it is back
 *   within `maxLag / 2`. The same samples time each endpoint: faster ones go first.
 * - Out-of-rotation endpoints are still tried, last, when every endpoint in rotation failed — a
 *   request answered late beats no answer — lagging ones after all others.
 *
 * A single endpoint is never taken out (there is nothing to fail over to), and sampled only with
 * `sampleAlone` (the chain has WebSocket urls, whose heads are judged against the samples).
 */
import type { Logger } from 'pino';

export interface Endpoint {
  index: number;
  url: string;
  /** `0:eth.example` (see endpointLabel): safe for logs and metrics. */
  label: string;
}

export interface EndpointStatus {
  label: string;
  inRotation: boolean;
  /** Why it is out: recent errors/timeouts, or its head lags the best. */
  reason?: 'errors' | 'lag';
  /** Its head at the last sample. */
  head?: number;
  /** Blocks behind the best head at the last sample. */
  lag?: number;
  /** Smoothed round trip of the samples. */
  latencyMs?: number;
  /** Cool-down left after errors. */
  backInMs?: number;
}

export interface EndpointPool {
  readonly endpoints: readonly Endpoint[];
  /** The order the next request tries them in. */
  order(): Endpoint[];
  succeeded(endpoint: Endpoint): void;
  failed(endpoint: Endpoint, reason: string): void;
  /** The highest head any endpoint reported in a sample (undefined before one, or with one endpoint). */
  bestHead(): number | undefined;
  /** Samples every endpoint now (at a stall); resolves when done. No-op with one endpoint. */
  sampleNow(): Promise<void>;
  /** Starts background sampling; idempotent. */
  start(): void;
  stop(): void;
  status(): EndpointStatus[];
}

export interface CreateEndpointPoolParams {
  endpoints: Endpoint[];
  chainName: string;
  /** Blocks an endpoint may trail the best head before it is taken out. */
  maxLag: number;
  /** Time between background samples. */
  sampleIntervalMs: number;
  /** One endpoint's head, through that endpoint alone (no failover, no retry). */
  sampleHead(endpoint: Endpoint): Promise<number>;
  /** Sample a single endpoint too: its head is the yardstick of the WebSocket heads. */
  sampleAlone?: boolean;
  /** First cool-down after an error; doubles per consecutive ejection. Default 5 s. */
  cooldownMs?: number;
  /** Longest cool-down. Default 120 s. */
  maxCooldownMs?: number;
  log?: Logger;
}

interface Health {
  /** Consecutive ejections for errors (0 after a success): sets the next cool-down. */
  ejections: number;
  outUntil: number;
  lagging: boolean;
  head?: number;
  lag?: number;
  latencyMs?: number;
}

/** Latencies within the same power of two count as equal, so config order decides and ranks do not flap. */
const latencyBucket = (ms: number | undefined) => (ms === undefined ? 0 : Math.floor(Math.log2(1 + ms)));

export function createEndpointPool(params: CreateEndpointPoolParams): EndpointPool {
  const { endpoints, maxLag, log } = params;
  const cooldownMs = params.cooldownMs ?? 5_000;
  const maxCooldownMs = params.maxCooldownMs ?? 120_000;
  const health = endpoints.map((): Health => ({ ejections: 0, outUntil: 0, lagging: false }));
  const sampling = endpoints.length > 1 || params.sampleAlone === true;
  let best: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  let inFlight: Promise<void> | undefined;

  const erring = (h: Health, now: number) => h.outUntil > now;
  const context = (endpoint: Endpoint) => ({ chain: params.chainName, endpoint: endpoint.label });

  function failed(endpoint: Endpoint, reason: string): void {
    const h = health[endpoint.index]!;
    const now = Date.now();
    // Requests of one batch fail together: one ejection per episode, not one per request.
    if (erring(h, now) || endpoints.length === 1) return;
    const backInMs = Math.min(maxCooldownMs, cooldownMs * 2 ** Math.min(h.ejections, 20));
    h.ejections++;
    h.outUntil = now + backInMs;
    log?.warn({ ...context(endpoint), reason, backInMs }, 'RPC endpoint failed: out of rotation for a cool-down');
  }

  function succeeded(endpoint: Endpoint): void {
    const h = health[endpoint.index]!;
    if (erring(h, Date.now())) log?.info(context(endpoint), 'RPC endpoint answers again: back in rotation');
    h.ejections = 0;
    h.outUntil = 0;
  }

  async function sampleOne(endpoint: Endpoint): Promise<void> {
    const startedAt = performance.now();
    try {
      const head = await params.sampleHead(endpoint);
      // A malformed answer (a huge or negative number) must not make every other endpoint look behind.
      if (!Number.isSafeInteger(head) || head < 0) throw new Error(`eth_blockNumber answered ${head}`);
      const h = health[endpoint.index]!;
      const ms = performance.now() - startedAt;
      h.latencyMs = h.latencyMs === undefined ? ms : h.latencyMs * 0.7 + ms * 0.3;
      h.head = head;
      best = Math.max(best ?? 0, head);
      succeeded(endpoint);
    } catch (error) {
      failed(endpoint, `head sample failed: ${(error as Error).message.split('\n')[0]}`);
    }
  }

  /** Lag is judged after the whole round, against the best head any endpoint has shown. */
  function judgeLag(): void {
    if (best === undefined) return;
    endpoints.forEach((endpoint, index) => {
      const h = health[index]!;
      if (h.head === undefined) return;
      h.lag = best! - h.head;
      if (!h.lagging && h.lag > maxLag) {
        h.lagging = true;
        log?.warn({ ...context(endpoint), head: h.head, bestHead: best, lag: h.lag, maxLag }, 'RPC endpoint lags the others: out of rotation until it catches up');
      } else if (h.lagging && h.lag <= Math.floor(maxLag / 2)) {
        h.lagging = false;
        log?.info({ ...context(endpoint), head: h.head, lag: h.lag }, 'RPC endpoint caught up: back in rotation');
      }
    });
  }

  function sampleNow(): Promise<void> {
    if (!sampling) return Promise.resolve();
    inFlight ??= Promise.all(endpoints.map(sampleOne))
      .then(judgeLag)
      .finally(() => (inFlight = undefined));
    return inFlight;
  }

  function schedule(): void {
    if (!started) return;
    timer = setTimeout(() => void sampleNow().finally(schedule), params.sampleIntervalMs);
    timer.unref(); // background work must not keep a process (or a test) alive
  }

  return {
    endpoints,
    order() {
      const now = Date.now();
      const rank = (endpoint: Endpoint): [number, number, number] => {
        const h = health[endpoint.index]!;
        if (h.lagging) return [2, 0, endpoint.index];
        if (erring(h, now)) return [1, h.outUntil, endpoint.index];
        return [0, latencyBucket(h.latencyMs), endpoint.index];
      };
      return [...endpoints].sort((a, b) => {
        const [ra, rb] = [rank(a), rank(b)];
        return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2];
      });
    },
    succeeded,
    failed,
    bestHead: () => best,
    sampleNow,
    start() {
      if (started || !sampling) return;
      started = true;
      void sampleNow().finally(schedule);
    },
    stop() {
      started = false;
      clearTimeout(timer);
    },
    status() {
      const now = Date.now();
      return endpoints.map((endpoint, index) => {
        const h = health[index]!;
        const status: EndpointStatus = { label: endpoint.label, inRotation: !h.lagging && !erring(h, now) };
        if (h.lagging) status.reason = 'lag';
        else if (erring(h, now)) status.reason = 'errors';
        if (erring(h, now)) status.backInMs = h.outUntil - now;
        if (h.head !== undefined) status.head = h.head;
        if (h.lag !== undefined) status.lag = h.lag;
        if (h.latencyMs !== undefined) status.latencyMs = Math.round(h.latencyMs * 10) / 10;
        return status;
      });
    },
  };
}
