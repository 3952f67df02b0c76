import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { configJsonSchemaPath, configReferencePath, renderConfigJsonSchema } from './json-schema.js';
import { renderConfigReference } from './reference.js';

describe('generated config files', () => {
  it.each([
    ['config/schema.json', configJsonSchemaPath, renderConfigJsonSchema],
    ['docs/config-reference.md', configReferencePath, renderConfigReference],
  ])('%s is in sync with src/config/schema.ts', async (name, path, render) => {
    const committed = await readFile(path, 'utf8').catch(() => '');
    if (committed !== render()) {
      expect.fail(`${name} is out of date with src/config/schema.ts: run npm run schema`);
    }
  });

  it('describes the file as written: defaults optional, durations and amounts by their input form', () => {
    const schema = JSON.parse(renderConfigJsonSchema());
    const chain = schema.properties.chains.items;
    expect(chain.required).toEqual(['id', 'name', 'rpc']);
    expect(chain.additionalProperties).toBe(false);
    expect(chain.properties.blockTime.default).toBe(12);
    expect(chain.properties.blockTime.anyOf.map((option: { type: string }) => option.type)).toEqual(['number', 'string']);
    const guardian = schema.properties.responders.properties.guardian;
    // One flat object: an allOf of a strict half would make editors reject feeMultiplier.
    expect(guardian.allOf).toBeUndefined();
    expect(Object.keys(guardian.properties)).toContain('feeMultiplier');
    expect(guardian.properties.priorityFee.type).toEqual(['string', 'number']);
  });

  it('documents every key of the schema in the reference', () => {
    const reference = renderConfigReference();
    for (const key of ['redis.keyPrefix', 'chains[].rpc.ws', 'detectors[].params.dropAmount', 'plan.rules[].match.minSeverity', 'responders.pauses[].check.expect', 'responders.webhooks[].timeout']) {
      expect(reference).toContain(`| \`${key}\` |`);
    }
  });

  it.each(['config/drill.yaml', 'config/example.yaml', 'config/example-safe.yaml'])('%s points editors at the schema on its first line', async (file) => {
    const text = await readFile(new URL(`../../${file}`, import.meta.url), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./schema.json');
  });
});
