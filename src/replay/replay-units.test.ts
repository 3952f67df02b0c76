/** Small parts of replay: in-memory detector state (JSON semantics, TTL on block time), --set parsing, CSV cells, refusal detection. */
import { describe, expect, it } from 'vitest';
import { HttpRequestError, LimitExceededRpcError, RpcRequestError } from 'viem';
import { createMemoryDetectorStates } from './memory-state.js';
import { OverrideError, parseOverride } from './overrides.js';
import { csvCell } from './output.js';
import { isRangeRefusal, suggestedSpan } from './log-ranges.js';
import { createProgressReporter } from './progress.js';
import { Writable } from 'node:stream';

describe('memory detector state', () => {
  it('keeps JSON values per detector, bigints as strings, and expires on the block clock', async () => {
    const states = createMemoryDetectorStates();
    const a = states.stateFor('a');
    states.setClock(1_000);
    await a.set('window', { big: 5n, list: [1] });
    await a.set('short', 1, { ttlSeconds: 12 });
    expect(await a.get('window')).toEqual({ big: '5', list: [1] });
    expect(await states.stateFor('b').get('window')).toBeUndefined();
    states.setClock(1_011);
    expect(await a.get('short')).toBe(1);
    states.setClock(1_012);
    expect(await a.get('short')).toBeUndefined();
    await a.delete('window');
    expect(await a.get('window')).toBeUndefined();
    await expect(a.set('fn', () => 1)).rejects.toThrow(/not JSON-serialisable/);
  });
});

describe('--set parsing', () => {
  it('splits detector id, path and value; the value may hold "=" and dots', () => {
    expect(parseOverride('detectors.big.params.where=amount >= 1.5e18')).toMatchObject({ detectorId: 'big', path: ['params', 'where'], value: 'amount >= 1.5e18' });
  });
  it('names what is wrong', () => {
    expect(() => parseOverride('detectors.big.params.where')).toThrow(OverrideError);
    expect(() => parseOverride('plan.rules=1')).toThrow(/only detector fields can be set/);
    expect(() => parseOverride('detectors.big=1')).toThrow(/expected detectors\.<id>\.<field>=<value>/);
    expect(() => parseOverride('detectors.big.severity=')).toThrow(/no value after "="/);
  });
});

describe('CSV cells', () => {
  it('quotes commas, quotes and line breaks only', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell(12)).toBe('12');
    expect(csvCell(undefined)).toBe('');
  });
});

describe('provider refusals', () => {
  const rpcError = (code: number, message: string) => new RpcRequestError({ body: {}, url: 'http://x', error: { code, message } });
  it('recognises the usual refusals and not other failures', () => {
    expect(isRangeRefusal(new LimitExceededRpcError(rpcError(-32005, 'limit exceeded')))).toBe(true);
    expect(isRangeRefusal(rpcError(-32000, 'query returned more than 10000 results'))).toBe(true);
    expect(isRangeRefusal(rpcError(-32600, 'block range too large'))).toBe(true);
    expect(isRangeRefusal(rpcError(-32602, 'Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range'))).toBe(true);
    expect(isRangeRefusal(rpcError(-32000, 'header not found'))).toBe(false);
    expect(isRangeRefusal(new HttpRequestError({ url: 'http://x', status: 503 }))).toBe(false);
  });
  it('reads a suggested range', () => {
    expect(suggestedSpan(rpcError(-32005, 'query returned more than 10000 results. Try with this block range [0x10, 0x1f].'))).toBe(16);
    expect(suggestedSpan(rpcError(-32005, 'query returned more than 10000 results'))).toBeUndefined();
  });
});

describe('progress', () => {
  function capture(isTTY: boolean) {
    let text = '';
    const stream = Object.assign(new Writable({ write: (chunk, _e, done) => ((text += String(chunk)), done()) }), { isTTY, columns: 160 });
    return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
  }
  it('draws a bar with blocks/s and ETA on a terminal', () => {
    const out = capture(true);
    const reporter = createProgressReporter({ stream: out.stream });
    reporter.update({ doneBlocks: 10, totalBlocks: 100, logs: 5, anomalies: 1 });
    reporter.update({ doneBlocks: 100, totalBlocks: 100, logs: 50, anomalies: 2 });
    reporter.stop();
    expect(out.text()).toMatch(/replay .*100% \| 100\/100 blocks \| \d+ blocks\/s \| 50 logs \| 2 anomalies \| ETA/);
  });
  it('writes plain lines elsewhere: periodically and once at the end', () => {
    const out = capture(false);
    const reporter = createProgressReporter({ stream: out.stream, intervalSeconds: 0 });
    reporter.update({ doneBlocks: 10, totalBlocks: 100, logs: 5, anomalies: 1 });
    reporter.stop();
    expect(out.text().split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^replay: 10\/100 blocks \(10%\), \d+ blocks\/s, 5 logs, 1 anomalies, ETA \d+s$/),
      expect.stringMatching(/^replay: 10\/100 blocks \(10%\)/),
    ]);
    expect(out.text()).not.toMatch(/\u001b/);
  });
});
