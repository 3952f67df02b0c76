import { describe, expect, it } from 'vitest';
import { HttpRequestError, RpcRequestError, TimeoutError } from 'viem';
import { describeRpcError, transientPauseError } from './rpc-errors.js';

const url = 'https://eth.example.com/v2/FAKEKEY123?apikey=FAKEQUERY456';
const body = { method: 'eth_call', params: [{ to: '0x00', data: '0xdeadbeef' }] };

describe('describeRpcError', () => {
  it('keeps one line without urls or request bodies', () => {
    const cases: unknown[] = [
      new HttpRequestError({ url, body, status: 503, details: 'Service Unavailable' }),
      new HttpRequestError({ url, body, cause: new Error('fetch failed') }),
      new TimeoutError({ url, body }),
      new RpcRequestError({ url, body, error: { code: -32000, message: `rate limited, see ${url}` } }),
      new Error(`connect ECONNREFUSED for ${url}\nRequest body: {"method":"eth_call"}`),
      new Error(`RPC failed. URL: ${url.replace('https://', '')} Request body: ${JSON.stringify(body)}`),
      `plain string with ${url}`,
    ];
    for (const error of cases) {
      const text = describeRpcError(error);
      expect(text).not.toMatch(/FAKEKEY123|FAKEQUERY456|deadbeef|\n/);
      expect(text.length).toBeGreaterThan(0);
    }
    expect(describeRpcError(cases[0])).toBe('HTTP request failed: Service Unavailable');
    expect(describeRpcError(cases[1])).toBe('HTTP request failed: fetch failed');
  });

  it('turns any error into a PauseTransientError whose stack holds only the sanitized line', () => {
    const error = transientPauseError(new HttpRequestError({ url, body, status: 503 }));
    expect(error.name).toBe('PauseTransientError');
    expect(`${error.message}\n${error.stack}`).not.toMatch(/FAKEKEY123|FAKEQUERY456/);
  });
});
