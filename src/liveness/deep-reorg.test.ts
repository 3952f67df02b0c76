/**
 * The deep-reorg anomaly: deterministic id, critical, observe (the plan records and notifies it but
 * never pauses for it), routed like the other `liveness` anomalies; and the alarm that raises it in
 * the background without ever throwing into the follower.
 */
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Hex } from 'viem';
import type { Anomaly } from '../../detectors/types.js';
import type { DeepReorgEvent } from '../chain/follower.js';
import type { PlanRule } from '../config/schema.js';
import { anomalySubject, planActions } from '../plan/match.js';
import { createDeepReorgAlarm, deepReorgAnomaly } from './deep-reorg.js';

const chain = { id: 31337, name: 'anvil' };
const hash = (byte: string) => `0x${byte.repeat(32)}` as Hex;
const event: DeepReorgEvent = {
  chainId: 31337,
  depth: 8,
  commonAncestor: { number: 100, hash: hash('aa') },
  droppedHashes: [hash('01'), hash('02')],
  newHead: { number: 108, hash: hash('bb') },
};

describe('deepReorgAnomaly', () => {
  it('is a critical liveness anomaly in observe mode, anchored at the new head', () => {
    const anomaly = deepReorgAnomaly({ chain, event });
    expect(anomaly).toMatchObject({ detectorId: 'liveness', kind: 'liveness', severity: 'critical', mode: 'observe', chainId: 31337, blockNumber: 108, blockHash: hash('bb'), txHashes: [], addresses: [] });
    expect(anomaly.id).toMatch(/^an_[0-9a-f]{32}$/);
    expect(anomaly.summary).toContain('8 processed blocks dropped back to block 100');
    expect(anomaly.evidence).toMatchObject({ event: 'deep-reorg', depth: 8, commonAncestor: event.commonAncestor, newHead: event.newHead, droppedCount: 2, droppedHashes: event.droppedHashes });
  });

  it('has an id made of the chain, the common ancestor and the new head', () => {
    const id = deepReorgAnomaly({ chain, event }).id;
    expect(deepReorgAnomaly({ chain, event: { ...event, droppedHashes: [] } }).id).toBe(id); // a restart seeing the same reorg
    expect(deepReorgAnomaly({ chain, event: { ...event, newHead: { number: 108, hash: hash('cc') } } }).id).not.toBe(id);
    expect(deepReorgAnomaly({ chain, event: { ...event, commonAncestor: { number: 100, hash: hash('dd') } } }).id).not.toBe(id);
    expect(deepReorgAnomaly({ chain: { id: 1, name: 'mainnet' }, event }).id).not.toBe(id);
  });

  it('says what was not checked when no common ancestor was found', () => {
    const anomaly = deepReorgAnomaly({ chain, event: { ...event, unreconciled: { comparedFrom: 101 } } });
    expect(anomaly.summary).toContain('at least 8 processed blocks dropped');
    expect(anomaly.summary).toContain('new-branch blocks up to 100 were NOT checked');
    expect(anomaly.evidence.unreconciled).toEqual({ comparedFrom: 101, notCheckedUpTo: 100 });
  });

  it('is recorded and notified by a liveness rule, never paused for, in the warden-liveness incident', () => {
    const anomaly = deepReorgAnomaly({ chain, event });
    const rules: PlanRule[] = [
      { match: { detectors: ['liveness'], minSeverity: 'critical' }, steps: ['record', { notify: 'oncall' }] },
      { match: { minSeverity: 'high' }, steps: [{ pause: 'vault' }] },
    ];
    expect(planActions({ plan: { rules } }, anomaly).actions).toEqual([{ kind: 'record' }, { kind: 'notify', notifyId: 'oncall', dryRun: false }]);
    expect(anomalySubject({ config: { detectors: [] }, contracts: new Map(), anomaly })).toEqual({ protocol: 'warden-liveness', contracts: [] });
  });
});

describe('createDeepReorgAlarm', () => {
  it('raises each event in order in the background, and logs a failed raise without throwing', async () => {
    const logs: Record<string, unknown>[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    const raised: Anomaly[] = [];
    let failNext = true;
    const alarm = createDeepReorgAlarm({
      chain,
      log,
      async raise(anomaly) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (failNext) {
          failNext = false;
          throw new Error('redis down');
        }
        raised.push(anomaly);
      },
    });
    const second = { ...event, newHead: { number: 109, hash: hash('cc') } };
    expect(() => alarm.onEvent(event)).not.toThrow();
    alarm.onEvent(second);
    await alarm.stop();
    expect(raised.map((a) => a.blockNumber)).toEqual([109]);
    expect(logs.filter((l) => l.msg === 'could not raise the deep-reorg anomaly')).toMatchObject([{ level: 50, anomaly: deepReorgAnomaly({ chain, event }).id, err: expect.stringContaining('redis down') }]);
  });
});
