/**
 * Writes docs/config-reference.md from the config's JSON Schema (`npm run schema` does this too).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { configReferencePath } from '../src/config/json-schema.js';
import { renderConfigReference } from '../src/config/reference.js';

await mkdir(dirname(configReferencePath), { recursive: true });
await writeFile(configReferencePath, renderConfigReference());
console.log(`wrote ${configReferencePath}`);
