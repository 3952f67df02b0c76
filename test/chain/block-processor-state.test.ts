/**
 * Detector state failures in the block processor, with a real redis-server that is stopped
 * mid-test: a Redis error under a detector fails the whole block (so the follower retries it and
 * the checkpoint does not move past it), while a detector's own bug only skips that detector.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { startAnvil, startRedisServer, type Anvil, type ManagedProcess } from '../../src/drill/processes.js';
import { createBlockProcessor } from '../../src/chain/block-processor.js';
import { DetectorStateError } from '../../src/chain/detector-state.js';
import { toHeader } from '../../src/chain/heads.js';
import type { FollowedBlock } from '../../src/chain/follower.js';
import type { Detector, DetectorState } from '../../detectors/types.js';
import { rpc } from './evm.js';

let anvil: Anvil;
const servers: ManagedProcess[] = [];
const clients: Redis[] = [];
const logLines: Record<string, unknown>[] = [];
const log = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });

beforeAll(async () => {
  anvil = await startAnvil();
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all([anvil?.stop(), ...servers.map((s) => s.stop())]);
});

/** A redis-server of its own (so it can be stopped) and a client that fails fast once it is gone. */
async function ownRedis(): Promise<{ server: ManagedProcess; redis: Redis }> {
  const server = await startRedisServer();
  servers.push(server);
  const redis = new Redis(server.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  redis.on('error', () => {}); // the connection errors are what this test is about
  clients.push(redis);
  await new Promise((resolve) => redis.once('ready', resolve));
  return { server, redis };
}

async function latestBlock(): Promise<FollowedBlock> {
  const block = await rpc(anvil.url).getBlock({ blockTag: 'latest' });
  return { header: toHeader(block), observedAt: { wallMs: 1, monoNs: '2', runId: 'test' } };
}

function detector(id: string, onBlock: Detector['onBlock'], onReorg?: Detector['onReorg']): Detector {
  return { id, kind: 'test', severity: 'high', chainId: 31337, watchedAddresses: [], onBlock, onReorg };
}

const counter = (seen: number[]) =>
  detector('counter', async (ctx, state: DetectorState) => {
    seen.push(ctx.block.number);
    await state.set('last', ctx.block.number);
    return [{ key: 'k', summary: 'seen' }];
  });

function processor(redis: Redis, detectors: Detector[]) {
  return createBlockProcessor({ chainId: 31337, chainName: 'anvil', client: rpc(anvil.url), contracts: [], detectors, redis, keyPrefix: 'st', log });
}

describe('block processor and detector state failures', () => {
  it('rejects process() and handleReorg() with DetectorStateError once Redis is gone', async () => {
    const { server, redis } = await ownRedis();
    const seen: number[] = [];
    const reorgs: string[][] = [];
    const bp = processor(redis, [
      counter(seen),
      detector('stateless', () => [{ key: 'x', summary: 'stateless' }], async (hashes, state) => {
        reorgs.push(hashes);
        await state.delete('anything');
      }),
    ]);
    const block = await latestBlock();
    expect((await bp.process(block)).map((a) => a.detectorId)).toEqual(['counter', 'stateless']);
    expect(await redis.get('st:chain:31337:detector:counter:last')).toBe(String(block.header.number));

    await server.stop();
    const error = await bp.process(block).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DetectorStateError);
    expect((error as Error).message).toContain('counter');
    expect(seen).toEqual([block.header.number, block.header.number]);
    const reorgError = await bp
      .handleReorg({ chainId: 31337, droppedHashes: [block.header.hash], commonAncestor: { number: 0, hash: block.header.parentHash } })
      .catch((e: unknown) => e);
    expect(reorgError).toBeInstanceOf(DetectorStateError);
  });

  it('fails the block even when the detector replaces or swallows the state error', async () => {
    const { server, redis } = await ownRedis();
    const bp = (d: Detector) => processor(redis, [d]);
    const replacing = detector('replacing', async (_ctx, state) => {
      try {
        await state.get('window');
      } catch {
        throw new Error('my own message');
      }
      return [];
    });
    const swallowing = detector('swallowing', async (_ctx, state) => {
      await state.set('window', [1, 2]).catch(() => {});
      return [{ key: 'k', summary: 'from a stale window' }];
    });
    const block = await latestBlock();
    await server.stop();
    await expect(bp(replacing).process(block)).rejects.toBeInstanceOf(DetectorStateError);
    await expect(bp(swallowing).process(block)).rejects.toBeInstanceOf(DetectorStateError);
  });

  it('skips a detector with a bug of its own (including a bad value for its state) and runs the others', async () => {
    const { redis } = await ownRedis();
    const seen: number[] = [];
    const bp = processor(redis, [
      detector('throws', () => {
        throw new Error('boom');
      }),
      detector('bad-value', async (_ctx, state) => {
        await state.set('fn', () => 1); // not JSON: the detector's bug, not Redis's
        return [];
      }),
      counter(seen),
    ]);
    const block = await latestBlock();
    expect((await bp.process(block)).map((a) => a.detectorId)).toEqual(['counter']);
    for (const id of ['throws', 'bad-value']) {
      expect(logLines.some((l) => l.detector === id && l.level === 50 && l.block === block.header.number)).toBe(true);
    }
  });
});
