/** Shared by the import tests: where the fixture folder is, and values for a config's placeholders. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImportReport } from './report.js';

/** test/fixtures/oz-monitor: an OpenZeppelin Monitor config folder of our own. */
export const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'oz-monitor');

/** Values for the config's placeholders, as a user would export them. */
export function environmentFor(report: ImportReport): NodeJS.ProcessEnv {
  return Object.fromEntries(
    report.environment.map((variable) => [variable.name, variable.usedAt.includes('.ws[') ? 'wss://node.test/ws' : `https://hooks.test/${variable.name}`]),
  );
}
