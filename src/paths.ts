/**
 * Files that ship beside the code (config/, docs/, src/drill/contracts/) are found from the package
 * root, so the same code works from src/ under tsx and from dist/ after `npm run build`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The directory holding warden's package.json. */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'warden') return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the warden package root (a package.json named "warden" above this file)');
    dir = parent;
  }
}

/** A path inside the package, e.g. `fromPackageRoot('config', 'drill.yaml')`. */
export function fromPackageRoot(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
