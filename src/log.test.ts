import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl, registerSecret, registerUrlSecrets, scrubSecrets } from './log.js';

function capture(level = 'debug') {
  let out = '';
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return { log: createLogger({ level, pretty: false, destination: sink }), text: () => out };
}

describe('logging keeps secrets out', () => {
  it('redacts fields named like secrets', () => {
    const { log, text } = capture();
    log.info({ privateKey: 'hunter2-not-a-key', nested: { token: 'tok-123' }, url: 'fine' }, 'hello');
    expect(text()).not.toContain('hunter2-not-a-key');
    expect(text()).not.toContain('tok-123');
    expect(text()).toContain('[REDACTED]');
    expect(text()).toContain('"url":"fine"');
  });

  it('scrubs a registered key wherever it appears, with or without 0x and in any case', () => {
    const key = `0x${'1234abcd'.repeat(8)}`; // a made-up key, built so it is not a literal in the source
    registerSecret(key);
    const { log, text } = capture();
    log.error({ err: new Error(`signing failed for ${key}`) }, `bare ${key.slice(2).toUpperCase()}`);
    expect(text().toLowerCase()).not.toContain(key.slice(2));
    expect(text()).toContain('[REDACTED]');
  });

  it('scrubs API keys carried in RPC urls (path segment, query value, password)', () => {
    registerUrlSecrets('https://eth.example.com/v2/AbCdEfGhIjKlMnOp1234');
    registerUrlSecrets('wss://node.example.com/ws?apikey=QwErTyUiOpAsDf5678');
    registerUrlSecrets('redis://:sup3r-s3cret-pass@redis.example.com:6379');
    const message = 'HTTP request failed. URL: https://eth.example.com/v2/AbCdEfGhIjKlMnOp1234 and QwErTyUiOpAsDf5678 via sup3r-s3cret-pass';
    const scrubbed = scrubSecrets(message);
    for (const secret of ['AbCdEfGhIjKlMnOp1234', 'QwErTyUiOpAsDf5678', 'sup3r-s3cret-pass']) expect(scrubbed).not.toContain(secret);
    expect(scrubbed).toContain('HTTP request failed');
  });

  it('does not take chain names in urls for keys', () => {
    registerUrlSecrets('https://polygon-amoy.example.com/polygon_amoy_testnet/');
    expect(scrubSecrets('following polygon_amoy_testnet')).toBe('following polygon_amoy_testnet');
  });

  it('shows urls as scheme and host only when they may carry credentials', () => {
    expect(redactUrl('https://eth.example.com/v2/KEY')).toBe('https://eth.example.com/…');
    expect(redactUrl('http://127.0.0.1:8545')).toBe('http://127.0.0.1:8545');
    expect(redactUrl('redis://:pass@10.0.0.5:6379')).toBe('redis://***@10.0.0.5:6379');
    expect(redactUrl('not a url')).toBe('[unparseable url]');
  });
});
