/**
 * What the daemon does with each block and reorg its follower hands over (the data path of
 * DESIGN.md): count it, run the detectors, start containment at once, then queue the anomalies —
 * or spool them while Redis is out (src/outage); on a reorg, let detectors forget, annotate the
 * incidents it touched, and check pauses mined in the dropped blocks.
 */
import type { Anomaly } from '../detectors/types.js';
import type { ChainFollowerParams } from './chain/follower.js';
import type { ChainPart } from './chain-parts.js';
import type { IncidentStore } from './incidents/types.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics/metrics.js';
import type { OutageHandling } from './outage/handling.js';
import type { AfterReorg } from './plan/after-reorg.js';

/** Longest the queue write (and so the next block) waits for local pauses to be broadcast. */
const queueDeferMs = 250;

export function createChainHandlers(params: {
  part: ChainPart;
  /** Containment at detection (act-on-head, or the direct containment during an outage). */
  startContainment(anomaly: Anomaly): Promise<void>;
  outage: OutageHandling;
  incidents: IncidentStore;
  afterReorg: AfterReorg;
  metrics: Metrics;
  log: Logger;
  /** After each processed block (for /healthz). */
  onProcessed(): void;
  /** Each batch of anomalies once it is queued (or spooled). */
  onAnomalies?(anomalies: Anomaly[]): void;
}): Pick<ChainFollowerParams, 'onBlock' | 'onReorg'> {
  const { part, outage, metrics, log } = params;
  const chain = part.chain.name;
  return {
    async onBlock(block) {
      params.onProcessed();
      metrics.blocksProcessed.inc({ chain });
      metrics.lastBlock.set({ chain }, block.header.number);
      part.pauser?.observeHead(block.header);
      part.offlinePauser?.observeHead(block.header);
      if (part.pauser && !outage.mode.spooling()) void part.pauser.watchProposals().catch(() => {});
      part.readiness?.onBlock(block.header);
      const anomalies = await part.processor.process(block);
      if (anomalies.length === 0) return;
      for (const anomaly of anomalies) {
        metrics.anomalies.inc({ chain, detector: anomaly.detectorId, severity: anomaly.severity, mode: anomaly.mode ?? 'act' });
        log.warn({ chain, block: anomaly.blockNumber, anomaly: anomaly.id, detector: anomaly.detectorId, severity: anomaly.severity }, anomaly.summary);
      }
      // Containment starts now. The queue write waits until the pauses are broadcast (at most
      // `queueDeferMs`), so its Redis traffic never delays them; the checkpoint waits for the write.
      const dispatched = Promise.all(anomalies.map(params.startContainment));
      await Promise.race([dispatched, new Promise((resolve) => setTimeout(resolve, queueDeferMs).unref())]);
      await outage.enqueue(part.chain.id, anomalies);
      params.onAnomalies?.(anomalies);
    },
    async onReorg(event) {
      log.warn({ chain, block: event.commonAncestor.number, dropped: event.droppedHashes }, 'reorg: blocks dropped');
      metrics.reorgs.inc({ chain });
      metrics.reorgDepth.observe({ chain }, event.droppedHashes.length);
      await part.processor.handleReorg(event);
      await outage.mode.write({ kind: 'reorg', chainId: event.chainId, droppedHashes: event.droppedHashes }, () =>
        params.incidents.annotateReorg({ chainId: event.chainId, droppedHashes: event.droppedHashes }),
      );
      // Needs the pause records in Redis: during an outage the replayed jobs check the pauses instead.
      if (part.pauser && !outage.mode.spooling()) params.afterReorg.start({ pauser: part.pauser, commonAncestor: event.commonAncestor.number });
    },
  };
}
