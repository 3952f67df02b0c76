/**
 * warden's Prometheus metrics (prom-client), one registry per daemon so tests can run several. The
 * README's "Metrics" section documents each one; names and labels here are that contract.
 *
 * Labels carry no secrets and stay few: chain names, RPC methods, endpoint *hostnames* with their
 * position (`0:eth.example`, never a path or query, which often hold API keys), detector ids,
 * severities, outcomes.
 *
 * @example
 * const metrics = createMetrics();
 * metrics.blocksProcessed.inc({ chain: 'mainnet' });
 * response.end(await metrics.registry.metrics());
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Seconds buckets for latencies from a millisecond to a minute. */
const latencyBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'warden_' }); // warden_process_resident_memory_bytes, warden_nodejs_eventloop_lag_seconds, ...
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Counter<L>({ name, help, labelNames, registers: [registry] });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Gauge<L>({ name, help, labelNames, registers: [registry] });
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) =>
    new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });

  return {
    registry,
    headLag: gauge('warden_head_lag_blocks', 'Blocks between the best head seen and the last block processed, per chain.', ['chain']),
    lastBlock: gauge('warden_last_processed_block', 'Number of the last block processed, per chain.', ['chain']),
    blocksProcessed: counter('warden_blocks_processed_total', 'Blocks run through the detectors (and checkpointed).', ['chain']),
    reorgs: counter('warden_reorgs_total', 'Reorgs handled (blocks dropped from the local chain).', ['chain']),
    reorgDepth: histogram('warden_reorg_depth_blocks', 'Depth of each reorg, in blocks dropped.', ['chain'], [1, 2, 3, 4, 6, 8, 12, 16, 32, 64]),
    rpcRequests: counter('warden_rpc_requests_total', 'JSON-RPC requests over HTTP by method, endpoint and outcome (ok, error: an RPC error or failed attempt).', ['chain', 'method', 'endpoint', 'outcome']),
    endpointInRotation: gauge('warden_rpc_endpoint_in_rotation', 'Whether an HTTP endpoint is in rotation (1) or taken out (0) for errors or lag, read at scrape time.', ['chain', 'endpoint']),
    endpointLag: gauge('warden_rpc_endpoint_lag_blocks', 'Blocks an HTTP endpoint\'s head trailed the best head at its last background sample.', ['chain', 'endpoint']),
    rpcLatency: histogram('warden_rpc_request_duration_seconds', 'Time of each HTTP round trip to an endpoint (a batch counts once per method in it).', ['chain', 'method', 'endpoint'], latencyBuckets),
    anomalies: counter('warden_anomalies_total', 'Anomalies raised, by detector, severity and mode (act, observe).', ['chain', 'detector', 'severity', 'mode']),
    queueDepth: gauge('warden_queue_jobs', 'Anomaly jobs on the queue by state (waiting, active, delayed, failed), read at scrape time.', ['state']),
    headToBroadcast: histogram('warden_head_to_broadcast_seconds', 'From receiving the head of the block with the anomaly to broadcasting the pause tx (this process only).', ['chain'], latencyBuckets),
    containments: counter('warden_containment_outcomes_total', 'Pause steps by outcome: paused, already-contained, proposed (to Safe co-signers), failed.', ['target', 'outcome']),
    readinessFailing: gauge('warden_readiness_failing', 'Readiness checks failing right now per chain (0 when the pause path is intact).', ['chain']),
    detectorEvaluations: counter('warden_detector_evaluations_total', 'Blocks each detector was run on.', ['chain', 'detector']),
    detectorHits: counter('warden_detector_hits_total', 'Findings (anomalies) each detector returned.', ['chain', 'detector']),
    detectorErrors: counter('warden_detector_errors_total', 'Blocks on which a detector threw (it is skipped for that block).', ['chain', 'detector']),
    detectorSeconds: counter('warden_detector_seconds_total', 'Time spent in each detector, seconds.', ['chain', 'detector']),
    spoolEntries: gauge('warden_spool_entries', 'Entries in the local spool not yet replayed into Redis (0 unless Redis is or was just unreachable), read at scrape time.', []),
    spoolBytes: gauge('warden_spool_bytes', 'Size of the local spool files, bytes, read at scrape time.', []),
    redisSpooling: gauge('warden_redis_spooling', '1 while writes go to the local spool (Redis unreachable, or back but not yet replayed into), else 0.', []),
    notifications: counter('warden_notifications_total', 'Notification sends by channel and outcome (sent, failed, suppressed).', ['target', 'outcome']),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
