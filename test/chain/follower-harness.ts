/**
 * Shared set-up for the follower tests: a real anvil (automine; blocks made with anvil_mine /
 * anvil_reorg), a real redis-server and a counting proxy, started per test file, plus helpers
 * to run a follower and check what it processed against the canonical chain.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Hex, PublicClient } from 'viem';
import { startAnvil, startRedisServer, type Anvil, type ManagedProcess } from '../../src/drill/processes.js';
import type { ChainConfig } from '../../src/config/schema.js';
import { createChainClients } from '../../src/chain/clients.js';
import { createCheckpointStore } from '../../src/chain/checkpoint.js';
import { createChainFollower, type ChainFollower, type ChainFollowerParams, type DeepReorgEvent, type FollowedBlock, type ReorgEvent } from '../../src/chain/follower.js';
import { startCountingProxy, type CountingProxy } from '../harness/counting-proxy.js';
import { rpc } from './evm.js';

export interface Harness {
  follower: ChainFollower;
  blocks: { number: number; hash: Hex }[];
  reorgs: ReorgEvent[];
  deepReorgs: DeepReorgEvent[];
  logs: Record<string, unknown>[];
  checkpoint: ReturnType<typeof createCheckpointStore>;
}

export interface FollowerEnv {
  anvil: Anvil;
  proxy: CountingProxy;
  client(): PublicClient;
  chainConfig(overrides?: Partial<ChainConfig>): ChainConfig;
  /** `retain`: how many processed blocks the checkpoint store keeps (default 256). */
  follow(params: { keyPrefix?: string; chain?: ChainConfig; retain?: number; onBlock?: (b: FollowedBlock) => Promise<void>; into?: Harness; extra?: Partial<ChainFollowerParams> }): Harness;
  newPrefix(): string;
  head(): Promise<{ number: number; hash: Hex }>;
  caughtUp(h: Harness): () => Promise<boolean>;
  /** Every recorded block that is still canonical appears once; all canonical blocks in [from, to] are there. */
  expectCanonicalOnce(blocks: { number: number; hash: Hex }[], from: number, to: number): Promise<void>;
}

export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Registers beforeAll/afterAll for this test file; the env's fields are usable inside tests. */
export function useFollowerEnv(): FollowerEnv {
  let redisServer: ManagedProcess;
  let redis: Redis;
  let prefixCounter = 0;
  const running: ChainFollower[] = [];

  beforeAll(async () => {
    [env.anvil, redisServer] = await Promise.all([startAnvil(), startRedisServer()]);
    redis = new Redis(redisServer.url);
    env.proxy = await startCountingProxy({ target: env.anvil.url });
  });
  afterAll(async () => {
    await Promise.all(running.map((f) => f.stop()));
    await env.proxy?.stop();
    redis?.disconnect();
    await Promise.all([env.anvil?.stop(), redisServer?.stop()]);
  });

  const env: FollowerEnv = {
    anvil: undefined as unknown as Anvil,
    proxy: undefined as unknown as CountingProxy,
    client: () => rpc(env.anvil.url),
    chainConfig: (overrides = {}) => ({
      id: 31337, name: 'anvil', rpc: { http: [env.anvil.url], ws: [] }, blockTime: 0.2, finalityDepth: 16, maxCatchUpBlocks: 1000, rpcTimeout: 2, ...overrides,
    }),
    follow(params) {
      const chain = params.chain ?? env.chainConfig();
      const logs: Record<string, unknown>[] = params.into?.logs ?? [];
      const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
      const checkpoint = createCheckpointStore({ redis, keyPrefix: params.keyPrefix ?? env.newPrefix(), chainId: chain.id, ...(params.retain ? { retain: params.retain } : {}) });
      const blocks = params.into?.blocks ?? [];
      const reorgs = params.into?.reorgs ?? [];
      const deepReorgs = params.into?.deepReorgs ?? [];
      const follower = createChainFollower({
        chain,
        clients: createChainClients({ chain }),
        checkpoint,
        log,
        pollIntervalMs: 40,
        retryBaseMs: 20,
        onBlock: async (block) => {
          await params.onBlock?.(block);
          blocks.push({ number: block.header.number, hash: block.header.hash });
        },
        onReorg: async (event) => void reorgs.push(event),
        onDeepReorg: (event) => void deepReorgs.push(event),
        ...params.extra, // e.g. clients (to inspect endpoint health) or onLiveness
      });
      running.push(follower);
      return { follower, blocks, reorgs, deepReorgs, logs, checkpoint };
    },
    newPrefix: () => `t${++prefixCounter}`,
    async head() {
      const block = await env.client().getBlock({ blockTag: 'latest' });
      return { number: Number(block.number), hash: block.hash! };
    },
    caughtUp: (h) => async () => h.follower.tip()?.hash === (await env.head()).hash,
    async expectCanonicalOnce(blocks, from, to) {
      for (let n = from; n <= to; n++) {
        const canonical = (await env.client().getBlock({ blockNumber: BigInt(n) })).hash;
        expect(blocks.filter((b) => b.hash === canonical), `block ${n}`).toHaveLength(1);
      }
      expect(blocks.filter((b) => b.number < from || b.number > to)).toEqual([]);
    },
  };
  return env;
}
