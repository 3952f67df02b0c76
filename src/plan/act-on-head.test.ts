import { describe, expect, it } from 'vitest';
import type { Anomaly } from '../../detectors/types.js';
import { createActOnHead } from './act-on-head.js';

const anomaly = (id: string) => ({ id }) as Anomaly;

/** A runner that counts its runs and fails the first `failures` of them. */
function countingRunner(failures = 0) {
  const runs: string[] = [];
  return {
    runs,
    handle: async (a: Anomaly, hooks?: { dispatched?(): void }) => {
      runs.push(a.id);
      await new Promise((resolve) => setTimeout(resolve, 5));
      hooks?.dispatched?.();
      // The rest of a run (waiting for the receipt) takes longer than dispatching.
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (runs.length <= failures) throw new Error(`run ${runs.length} failed`);
    },
  };
}

describe('act on the head', () => {
  it('starts the plan at detection and lets the queue job join that run instead of starting another', async () => {
    const runner = countingRunner();
    const actOnHead = createActOnHead({ runner });
    actOnHead.start(anomaly('an_1'));
    actOnHead.start(anomaly('an_1')); // the follower retried the block: no second run
    expect(runner.runs).toEqual(['an_1']);
    await actOnHead.handleJob(anomaly('an_1'));
    expect(runner.runs).toEqual(['an_1']);
    expect(actOnHead.pending()).toBe(0);
    actOnHead.start(anomaly('an_1')); // the block again after a failed queue write: still no second run
    expect(runner.runs).toEqual(['an_1']);
  });

  it('runs the plan for a job it did not start (another replica detected it, or this process restarted)', async () => {
    const runner = countingRunner();
    const actOnHead = createActOnHead({ runner });
    await actOnHead.handleJob(anomaly('an_2'));
    expect(runner.runs).toEqual(['an_2']);
  });

  it('fails the job when the local run failed, and the retried job runs the plan afresh', async () => {
    const runner = countingRunner(1);
    const actOnHead = createActOnHead({ runner });
    actOnHead.start(anomaly('an_3'));
    await expect(actOnHead.handleJob(anomaly('an_3'))).rejects.toThrow('run 1 failed');
    await actOnHead.handleJob(anomaly('an_3'));
    expect(runner.runs).toEqual(['an_3', 'an_3']);
  });

  it('forgets an unclaimed run after the remember window', async () => {
    const runner = countingRunner();
    const actOnHead = createActOnHead({ runner, rememberMs: 20 });
    actOnHead.start(anomaly('an_4'));
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(actOnHead.pending()).toBe(0);
  });

  it('drains: shutdown waits for local runs in flight, claimed or not', async () => {
    const runner = countingRunner();
    const actOnHead = createActOnHead({ runner });
    let settled = false;
    actOnHead.start(anomaly('an_5'));
    void actOnHead.handleJob(anomaly('an_5')).then(() => (settled = true));
    actOnHead.start(anomaly('an_6'));
    await actOnHead.drain();
    await Promise.resolve();
    expect(settled).toBe(true);
    expect(runner.runs).toEqual(['an_5', 'an_6']);
  });

  it('resolves start() once the containment is dispatched, before the run ends', async () => {
    const runner = countingRunner();
    const actOnHead = createActOnHead({ runner });
    let ended = false;
    const dispatched = actOnHead.start(anomaly('an_7'));
    void actOnHead.handleJob(anomaly('an_7')).then(() => (ended = true));
    await dispatched;
    expect(ended).toBe(false);
    await actOnHead.drain();
    expect(ended).toBe(true);
  });
});
