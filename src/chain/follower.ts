/**
 * The chain follower: turns heads (WebSocket or polling) into an ordered stream of canonical
 * blocks and reorg events, and checkpoints each block after its consumer has handled it.
 *
 * Guarantees (DESIGN.md invariant 1):
 * - every canonical block after the start point is passed to `onBlock` exactly once, in order
 *   (a block reorged out and its replacement are different hashes: both are passed);
 * - a block is checkpointed only after `onBlock` resolved; a throwing `onBlock` is retried with
 *   backoff, never skipped;
 * - a head whose parent is not our tip is a reorg: `onReorg` names exactly the processed blocks
 *   dropped, before the whole new branch is processed (reorg-walk.ts). The common ancestor is looked
 *   for by hash among the last `finalityDepth` blocks, then among the older processed blocks the
 *   checkpoint store keeps; a reorg deeper than `finalityDepth` also calls `onDeepReorg`. One with no
 *   ancestor within that bound resyncs from the bottom of the walked branch, logging what it skips;
 * - a head that went stale while queued (reorged out before we got to it) is dropped or
 *   re-derived from the current head — never walked along its dead branch, never retried forever;
 * - heads are handled one at a time, never concurrently.
 */
import type { Hex, PublicClient } from 'viem';
import type { Logger } from 'pino';
import type { BlockHeader, ObservedAt } from '../../detectors/types.js';
import type { ChainConfig } from '../config/schema.js';
import type { ChainClients } from './clients.js';
import type { BlockRef, CheckpointStore } from './checkpoint.js';
import { processRunId } from '../run-id.js';
import { createBlockFetcher, isBlockNotFound } from './block-fetcher.js';
import { createHeadSource } from './heads.js';
import { BlockReorgedError, HeadContradictsChainError, reorgReport, walkBack, type WalkBackResult } from './reorg-walk.js';
import { resumeFrom } from './restart.js';
import { describeError } from '../errors.js';
import { backoffMs, sleep, StoppedError } from './retry.js';
import { createRetryLoop } from './retry-loop.js';
import type { DeepReorgEvent, LivenessEvent, ReorgEvent } from './follower-events.js';

export type { DeepReorgEvent, LivenessEvent, ReorgEvent } from './follower-events.js';

export interface FollowedBlock {
  header: BlockHeader;
  observedAt: ObservedAt;
}

export interface ChainFollowerParams {
  chain: ChainConfig;
  clients: ChainClients;
  checkpoint: CheckpointStore;
  log: Logger;
  onBlock(block: FollowedBlock): Promise<void>;
  onReorg(event: ReorgEvent): Promise<void>;
  /** Identifies this process run in `observedAt`; defaults to one id per process. */
  runId?: string;
  /** Poll interval over HTTP; default blockTime/2 (at least 100 ms). */
  pollIntervalMs?: number;
  /** First retry delay after a failure (doubles, capped at 30 s); default 250 ms. */
  retryBaseMs?: number;
  /** The head stalled (no new block from any endpoint for `chain.stallTimeout`), and moves again: once each per stall. */
  onLiveness?(event: LivenessEvent): void;
  /** A reorg that dropped more than `finalityDepth` processed blocks: once per reorg, before onReorg and the new branch. Must not block. */
  onDeepReorg?(event: DeepReorgEvent): void;
}

/** No new block for this long is a stall: `chain.stallTimeout`, else 3 block times and at least 5 s. */
export function stallMsOf(chain: Pick<ChainConfig, 'blockTime' | 'stallTimeout'>): number {
  return chain.stallTimeout !== undefined ? Math.max(50, chain.stallTimeout * 1000) : Math.max(5_000, chain.blockTime * 3000);
}

export interface ChainFollower {
  /** Reconciles with the checkpoint, catches up, then follows heads. Resolves once caught up (or stopped). */
  start(): Promise<void>;
  /** Stops following; waits for the block in progress (a block waiting for a retry is abandoned, not checkpointed). */
  stop(): Promise<void>;
  /** The last block in the local chain (processed or the catch-up base). */
  tip(): BlockRef | undefined;
  /** Where heads come from right now: 'ws' (newHeads) or 'poll' (HTTP). */
  headMode(): 'ws' | 'poll';
  /** The highest block number any head announced (undefined before the first): head lag = this − tip. */
  bestHead(): number | undefined;
}

export function createChainFollower(params: ChainFollowerParams): ChainFollower {
  const { chain, clients, checkpoint, onBlock, onReorg } = params;
  const client: PublicClient = clients.http;
  const runId = params.runId ?? processRunId;
  const retryBaseMs = params.retryBaseMs ?? 250;
  const depth = chain.finalityDepth;
  const log = params.log.child({ chain: chain.name });
  const abort = new AbortController();
  let stopped = false;
  /** Hash-linked recent blocks, oldest first; the last one is our tip. */
  let recent: BlockHeader[] = [];
  const pending: FollowedBlock[] = [];
  let wake: (() => void) | undefined;
  let loopDone: Promise<void> | undefined;
  let bestHead: number | undefined;
  let startDone: Promise<void> | undefined;

  const observe = (): ObservedAt => ({ wallMs: Date.now(), monoNs: process.hrtime.bigint().toString(), runId });
  const tip = () => recent[recent.length - 1];
  const indexOf = (hash: Hex) => recent.findIndex((b) => b.hash === hash);

  const liveness = (event: Pick<LivenessEvent, 'type' | 'head' | 'stalledForMs'>) => {
    const current = tip();
    params.onLiveness?.({ ...event, chainId: chain.id, headMode: heads.mode(), ...(current ? { tip: { number: current.number, hash: current.hash } } : {}) });
  };
  const fetcher = createBlockFetcher({ client, observe, log });
  const heads = createHeadSource({
    client,
    checkHeader: fetcher.checkHeader,
    wsUrls: clients.wsUrls ?? (clients.wsUrl ? [clients.wsUrl] : []),
    chainName: chain.name,
    pollIntervalMs: params.pollIntervalMs ?? Math.max(100, (chain.blockTime * 1000) / 2),
    stallMs: stallMsOf(chain),
    log,
    bestHead: () => clients.endpoints?.bestHead(),
    maxLag: clients.maxEndpointLag,
    onSwitch: () => clients.endpoints?.sampleNow() ?? Promise.resolve(),
    onStall: (stall) => liveness({ type: 'stalled', head: stall.lastHead, stalledForMs: stall.stalledForMs }),
    onRecovered: (recovery) => liveness({ type: 'recovered', head: recovery.head, stalledForMs: recovery.stalledForMs }),
    onHead(header) {
      bestHead = Math.max(bestHead ?? 0, header.number);
      pending.push({ header, observedAt: observe() });
      wake?.();
    },
  });

  /** Runs `task` until it succeeds (retry-loop.ts); a reorged block or a head the chain contradicts ends it. */
  const untilDone = createRetryLoop({
    log,
    retryBaseMs,
    signal: abort.signal,
    stopped: () => stopped,
    progress: () => tip()?.hash,
    passThrough: (error) => error instanceof BlockReorgedError || error instanceof HeadContradictsChainError,
  });

  /** False when the node has another block at that height, or none (the chain got shorter). */
  async function isCanonical(header: BlockHeader): Promise<boolean> {
    try {
      return (await fetcher.canonicalHashAt(header.number)) === header.hash;
    } catch {
      return true; // cannot tell: keep retrying the block rather than skip it
    }
  }

  /** onBlock then checkpoint; appends to the local chain. */
  async function processBlock(block: FollowedBlock): Promise<void> {
    if (stopped) throw new StoppedError();
    const { header } = block;
    const context = { block: header.number, hash: header.hash };
    await untilDone('onBlock', async () => {
      try {
        await onBlock(block);
      } catch (error) {
        // A block that fails because it was reorged out (e.g. logs by hash unknown) must not block us forever.
        if (!(await isCanonical(header))) throw new BlockReorgedError(describeError(error));
        throw error;
      }
    }, context);
    await untilDone('checkpoint', () => checkpoint.set({ number: header.number, hash: header.hash }), context);
    recent.push(header);
    // depth + 1: the ancestor of a reorg `depth` deep is still in memory.
    if (recent.length > depth + 1) recent.splice(0, recent.length - depth - 1);
    log.debug(context, 'block processed');
  }

  /** Processes `block`, first handling a reorg if it does not extend our tip. */
  async function connect(block: FollowedBlock): Promise<void> {
    const current = tip();
    if (!current || block.header.parentHash === current.hash) return processBlock(block);

    // Reorg: walk back by hash until the parent is a block we processed (past `recent` if need be).
    const walk = await walkBack({ block, recent, processed: () => checkpoint.recent(), maxBlocks: Math.max(depth + 1, chain.maxCatchUpBlocks), fetcher });
    // The walk can end at our tip (a gap found by hash, not a reorg): then nothing was dropped.
    if (walk.droppedHashes.length > 0 || walk.base) await applyReorg(walk, current, block.header);
    for (const b of walk.branch) await processBlock(b);
  }

  /** Drops our blocks after the common ancestor (onReorg, checkpoint); a reorg deeper than `depth` is also an alert. */
  async function applyReorg(walk: WalkBackResult, oldTip: BlockHeader, newHead: BlockHeader) {
    const { droppedHashes, commonAncestor } = walk;
    const report = reorgReport({ walk, chainId: chain.id, oldTip, newHead, finalityDepth: depth });
    log[report.level](report.context, report.message);
    try {
      if (report.deep) params.onDeepReorg?.(report.deep);
    } catch (error) {
      log.error({ block: commonAncestor.number, err: describeError(error) }, 'onDeepReorg threw');
    }
    const event: ReorgEvent = { chainId: chain.id, droppedHashes, commonAncestor };
    await untilDone('onReorg', () => onReorg(event), { block: commonAncestor.number });
    recent = walk.base ? [walk.base] : recent.slice(0, walk.keep);
    // So a restart right now resumes from the ancestor instead of a dropped block.
    await untilDone('checkpoint', () => checkpoint.set(commonAncestor, { rewind: true }), { block: commonAncestor.number });
  }

  /** Brings the local chain up to `head`: fills gaps by number (each linked by parentHash), handles reorgs. */
  async function advanceTo(head: FollowedBlock): Promise<void> {
    if (indexOf(head.header.hash) >= 0) return;
    const current = tip();
    // Below every block we retain: an old head (a lagging endpoint's), never a reorg we could follow from it.
    if (recent.length > 0 && head.header.number < recent[0]!.number) {
      log.debug({ block: head.header.number, hash: head.header.hash }, 'ignoring a head older than the retained blocks');
      return;
    }
    // Not above our tip and not ours: a head queued before a reorg we already followed, or the
    // new branch of a reorg that did not lengthen the chain. The node's block at that height tells.
    if (current && head.header.number <= current.number && (await fetcher.canonicalHashAt(head.header.number)) !== head.header.hash) {
      log.debug({ block: head.header.number, hash: head.header.hash }, 'ignoring a stale head (no longer canonical)');
      return;
    }
    for (let current = tip(); current && head.header.number > current.number + 1; current = tip()) {
      await connect(await fetchGapBlock(current.number + 1));
      if (stopped) throw new StoppedError();
    }
    await connect(head);
  }

  /** A missing block by number: none there means the chain is shorter than the head said (reorged). */
  async function fetchGapBlock(number: number): Promise<FollowedBlock> {
    try {
      return await fetcher.byNumber(number);
    } catch (error) {
      if (isBlockNotFound(error)) throw new BlockReorgedError(`no block ${number}: the chain is shorter than the head`);
      throw error;
    }
  }

  /**
   * advanceTo, retried; a block reorged out mid-processing restarts from the current head, and so does
   * a head the chain contradicts (after a backoff: the next head read may be the same lie).
   */
  async function handleHead(head: FollowedBlock): Promise<void> {
    for (let contradictions = 0; ; ) {
      try {
        return await untilDone('following head', () => advanceTo(head), { block: head.header.number });
      } catch (error) {
        if (error instanceof BlockReorgedError) {
          log.warn({ block: head.header.number, err: error.message }, 'block reorged out while processing; re-reading the head');
        } else if (error instanceof HeadContradictsChainError) {
          const delay = backoffMs(contradictions++, retryBaseMs);
          log.warn({ block: head.header.number, hash: head.header.hash, err: error.message, retryInMs: delay }, 'head not on the chain (no reorg: nothing dropped); re-reading the head');
          await sleep(delay, abort.signal);
        } else {
          throw error;
        }
        head = await untilDone('reading head', fetcher.latest);
      }
    }
  }

  /** Sets the local chain's base from the checkpoint (or the head), handling a reorg and a long absence. */
  async function reconcile(head: FollowedBlock): Promise<void> {
    const onDeepReorg = (event: DeepReorgEvent) => params.onDeepReorg?.(event);
    const base = await resumeFrom({ head, chainId: chain.id, checkpoint, depth, maxCatchUpBlocks: chain.maxCatchUpBlocks, fetcher, onReorg, onDeepReorg, untilDone, log });
    if (base) recent = [base];
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      const next = pending.shift();
      if (!next) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      await handleHead(next);
    }
  }

  async function run(): Promise<void> {
    heads.start(); // heads arriving during catch-up queue up behind it
    const head = await untilDone('reading head', fetcher.latest);
    await reconcile(head);
    await handleHead(head);
  }

  const swallowStop = (error: unknown) => {
    if (!(error instanceof StoppedError)) throw error;
  };

  return {
    async start() {
      startDone = run().catch(swallowStop);
      await startDone;
      if (!stopped) loopDone = loop().catch(swallowStop);
    },
    async stop() {
      stopped = true;
      abort.abort();
      await heads.stop();
      wake?.();
      await Promise.allSettled([startDone, loopDone]);
    },
    tip() {
      const t = tip();
      return t && { number: t.number, hash: t.hash };
    },
    headMode: () => heads.mode(),
    bestHead: () => Math.max(bestHead ?? 0, recent.at(-1)?.number ?? 0) || undefined,
  };
}
