/**
 * Writes config/schema.json — and docs/config-reference.md, which is generated from it — from the
 * zod schema in src/config/schema.ts. Run `npm run schema` after changing that file; the tests in
 * src/config/generated.test.ts fail until you do.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { configJsonSchemaPath, configReferencePath, renderConfigJsonSchema } from '../src/config/json-schema.js';
import { renderConfigReference } from '../src/config/reference.js';

for (const [path, text] of [
  [configJsonSchemaPath, renderConfigJsonSchema()],
  [configReferencePath, renderConfigReference()],
] as const) {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  console.log(`wrote ${path}`);
}
