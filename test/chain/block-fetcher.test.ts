/**
 * The block fetcher against plausible lies (the RPC answer fuzz found them): a real anvil behind the
 * seeded fault proxy answering every block read with another block, or a block with another block's
 * hash or parentHash. Each read is refused with a MalformedAnswerError (the follower retries it), never
 * handed on as a block. And a real block whose hash does not recompute from its fields (another header
 * format) is accepted once the node's block by that hash agrees: one more read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBlock, type Block, type Hex, type RpcBlock } from 'viem';
import { startAnvil, type Anvil } from '../../src/drill/processes.js';
import { createBlockFetcher, type BlockFetcher } from '../../src/chain/block-fetcher.js';
import { MalformedAnswerError } from '../../src/chain/rpc-values.js';
import { startFaultProxy, type FaultProxy, type MalformedKind } from '../harness/fault-proxy.js';
import { mine, rpc } from './evm.js';

let anvil: Anvil;
let proxy: FaultProxy;
let fetcher: BlockFetcher;
let truth: BlockFetcher;
const observe = () => ({ wallMs: 0, monoNs: '0', runId: 'test' });

beforeAll(async () => {
  anvil = await startAnvil();
  await mine(rpc(anvil.url), 8);
  proxy = await startFaultProxy({ target: anvil.url, seed: 7 });
  fetcher = createBlockFetcher({ client: rpc(proxy.url), observe });
  truth = createBlockFetcher({ client: rpc(anvil.url), observe });
});
afterAll(async () => {
  await proxy?.stop();
  await anvil?.stop();
});

/** Every answer of `methods` is the lie `kind`; the fetcher first reads a few blocks honestly so the proxy has blocks to lie with. */
async function lying(kind: MalformedKind, methods: string[]): Promise<void> {
  proxy.faults = {};
  for (let n = 1; n <= 6; n++) await fetcher.byNumber(n);
  proxy.faults = { malformedRate: 1, malformedKinds: [kind], methods };
}

describe('block fetcher against plausible lies', () => {
  it('refuses another block answered for a block number', async () => {
    await lying('otherBlock', ['eth_getBlockByNumber']);
    await expect(fetcher.byNumber(7)).rejects.toThrow(MalformedAnswerError);
    await expect(fetcher.canonicalHashAt(7)).rejects.toThrow(/asked for block 7, got block/);
  });

  it('refuses another block answered for a block hash', async () => {
    const wanted = (await truth.byNumber(7)).header.hash;
    await lying('otherBlock', ['eth_getBlockByHash']);
    await expect(fetcher.byHash(wanted)).rejects.toThrow(/asked for block 0x/);
  });

  it('refuses a block with another block\'s hash, by number and as the latest', async () => {
    await lying('wrongHash', ['eth_getBlockByNumber']);
    await expect(fetcher.byNumber(7)).rejects.toThrow(MalformedAnswerError);
    await expect(fetcher.latest()).rejects.toThrow(MalformedAnswerError);
  });

  it('refuses a block with another block\'s parentHash, even when its hash is the one asked for', async () => {
    const wanted = await truth.byNumber(7);
    await lying('wrongParentHash', ['eth_getBlockByHash', 'eth_getBlockByNumber']);
    await expect(fetcher.byHash(wanted.header.hash)).rejects.toThrow(/do not give its hash/);
    await expect(fetcher.byNumber(7)).rejects.toThrow(MalformedAnswerError);
    proxy.faults = {};
    expect((await fetcher.byHash(wanted.header.hash)).header).toEqual(wanted.header);
  });

  it('accepts a real block whose hash does not recompute (another header format) once the block by its hash agrees, and refuses it when it does not', async () => {
    proxy.faults = {};
    const raw = (await rpc(anvil.url).request({ method: 'eth_getBlockByNumber', params: ['0x7', false] })) as RpcBlock;
    const otherFormat = { ...raw, requestsHash: undefined } as RpcBlock; // a header without Prague's field gives another hash
    const before = proxy.counts().eth_getBlockByHash ?? 0;
    const header = await fetcher.checkHeader(formatBlock(otherFormat) as Block);
    expect(header.hash).toBe(raw.hash);
    expect((proxy.counts().eth_getBlockByHash ?? 0) - before).toBe(1);
    const lie = { ...otherFormat, parentHash: `0x${'44'.repeat(32)}` as Hex };
    await expect(fetcher.checkHeader(formatBlock(lie) as Block)).rejects.toThrow(/the node's block by that hash differs/);
  });
});
