/** Shared by the config tests: the drill config as a base to edit, and a way to read ConfigError issues. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { ConfigError } from './errors.js';
import { parseConfigText } from './load.js';

export const drillPath = fileURLToPath(new URL('../../config/drill.yaml', import.meta.url));
export const examplePath = fileURLToPath(new URL('../../config/example.yaml', import.meta.url));
export const drillText = readFileSync(drillPath, 'utf8');
export const exampleEnv = {
  MAINNET_RPC_URL: 'https://eth.example/v2/key',
  MAINNET_RPC_FALLBACK_URL: 'https://eth-backup.example',
  MAINNET_WS_URL: 'wss://eth.example/ws',
  WARDEN_WEBHOOK_URL: 'https://hooks.example/T000/secret',
};
// anvil's well-known dev key #0: the only kind of key allowed in files of this repo.
export const anvilKey = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

/** The drill config as a plain object, changed by `edit`, loaded from YAML text again. */
export function loadEdited(edit: (config: any) => void, env: NodeJS.ProcessEnv = {}) {
  const config = parse(drillText);
  edit(config);
  return parseConfigText({ text: stringify(config), file: 'drill.yaml', env });
}

/** The issues of the ConfigError `load` throws, as `path: message` lines. */
export function issuesOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message));
  }
  throw new Error('expected a ConfigError, but the config loaded');
}
