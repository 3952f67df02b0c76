/** The endpoint pool's bookkeeping: order, cool-downs, lag from samples. The RPC side is covered on anvil in test/chain/failover.test.ts. */
import { describe, expect, it } from 'vitest';
import { createEndpointPool, type Endpoint } from './endpoints.js';

const endpoints: Endpoint[] = ['a', 'b', 'c'].map((name, index) => ({ index, url: `http://${name}.example`, label: `${index}:${name}.example` }));
const labels = (list: Endpoint[]) => list.map((endpoint) => endpoint.label[0]);

function pool(heads: (number | Error)[], cooldownMs = 60_000) {
  return createEndpointPool({
    endpoints,
    chainName: 'test',
    maxLag: 4,
    sampleIntervalMs: 60_000,
    cooldownMs,
    sampleHead: async (endpoint) => {
      const head = heads[endpoint.index]!;
      if (head instanceof Error) throw head;
      return head;
    },
  });
}

describe('endpoint pool', () => {
  it('keeps config order among healthy endpoints and moves a failed one last until its cool-down ends', async () => {
    const p = pool([100, 100, 100], 30);
    expect(labels(p.order())).toEqual(['0', '1', '2']);
    p.failed(endpoints[0]!, 'timeout');
    p.failed(endpoints[0]!, 'the same batch'); // one ejection per episode
    expect(labels(p.order())).toEqual(['1', '2', '0']);
    expect(p.status()[0]).toMatchObject({ inRotation: false, reason: 'errors' });
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(labels(p.order())).toEqual(['0', '1', '2']);
    expect(p.status()[0]!.inRotation).toBe(true);
  });

  it('takes an endpoint more than maxLag behind the best sampled head out, and back once within maxLag / 2', async () => {
    const heads: (number | Error)[] = [95, 100, 100];
    const p = pool(heads);
    await p.sampleNow();
    expect(p.bestHead()).toBe(100);
    expect(p.status()[0]).toMatchObject({ inRotation: false, reason: 'lag', head: 95, lag: 5 });
    expect(labels(p.order())).toEqual(['1', '2', '0']);
    heads[0] = 97; // within maxLag, not yet within maxLag / 2: still out (no flapping at the edge)
    await p.sampleNow();
    expect(p.status()[0]!.inRotation).toBe(false);
    heads[0] = 98;
    await p.sampleNow();
    expect(p.status()[0]).toMatchObject({ inRotation: true, lag: 2 });
  });

  it('counts a failed or absurd sample as an error and does not let it move the best head', async () => {
    const p = pool([100, new Error('429'), 2 ** 80]);
    await p.sampleNow();
    expect(p.bestHead()).toBe(100);
    expect(p.status().map((s) => s.reason)).toEqual([undefined, 'errors', 'errors']);
    expect(labels(p.order())).toEqual(['0', '1', '2']);
  });

  it('never samples or ejects a single endpoint', async () => {
    let samples = 0;
    const single = createEndpointPool({ endpoints: [endpoints[0]!], chainName: 'test', maxLag: 4, sampleIntervalMs: 10, sampleHead: async () => ++samples });
    single.start();
    await single.sampleNow();
    single.failed(endpoints[0]!, 'timeout');
    single.stop();
    expect(samples).toBe(0);
    expect(single.status()[0]!.inRotation).toBe(true);
  });
});
