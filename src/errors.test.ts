import { HttpRequestError } from 'viem';
import { describe, expect, it } from 'vitest';
import { describeError } from './errors.js';
import { registerUrlSecrets } from './log.js';

describe('describeError', () => {
  it('keeps one line of a viem error, without the url (and its key) or the request body', () => {
    const error = new HttpRequestError({ url: 'https://eth.example.com/v2/SECRETKEY123456', body: { method: 'eth_call' }, details: 'fetch failed' });
    const text = describeError(error);
    expect(text).not.toContain('SECRETKEY123456');
    expect(text).not.toContain('eth_call');
    expect(text).not.toContain('\n');
    expect(text).toContain('fetch failed');
  });

  it('adds the deepest system error code', () => {
    const error = new Error('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
    expect(describeError(error)).toBe('fetch failed (ECONNREFUSED)');
  });

  it('describes socket events, which are objects without a message', () => {
    expect(describeError({ type: 'close', code: 1006, reason: 'abnormal closure' })).toBe('close code 1006 abnormal closure');
    expect(describeError({ type: 'error' })).toBe('error');
    expect(describeError('plain text')).toBe('plain text');
  });

  it('removes registered secrets even where no url shows them', () => {
    registerUrlSecrets('https://eth.example.com/v2/Zz9Yy8Xx7Ww6Vv5Uu4');
    expect(describeError(new Error('POST eth.example.com/v2/Zz9Yy8Xx7Ww6Vv5Uu4 failed'))).toBe('POST eth.example.com/v2/[REDACTED] failed');
  });

  it('stays fast on huge single-line messages', () => {
    const text = describeError(new Error(`${'a.'.repeat(200_000)} end`));
    expect(text.length).toBeLessThanOrEqual(300);
  });

  it('shows other urls as scheme and host', () => {
    expect(describeError(new Error('could not reach https://user:pw@node.example.com/v3/KEY'))).toBe('could not reach https://***@node.example.com/…');
  });
});
