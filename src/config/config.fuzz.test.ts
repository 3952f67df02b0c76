/**
 * Config fuzz: 10,000 seeded mutations of the shipped configs — dropped keys, wrong types, huge and
 * odd numbers, unicode, duplicated entries, truncation, byte flips, deep nesting, and YAML anchors and
 * aliases used to blow a small file up into a huge document. Each one, through the whole start-up
 * path (load, cross-checks, detectors, pause targets), either loads or is rejected with a ConfigError
 * whose every issue is located (a config path, or a YAML line and column). Nothing else may escape.
 * Seeds are fixed: a failure names its seed and mutation and reproduces.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createDetectors } from '../../detectors/index.js';
import { seededRandom } from '../../detectors/test-helpers.js';
import { resolvePauseTargets } from '../../responders/pause-targets.js';
import { ConfigError } from './errors.js';
import { parseConfigText } from './load.js';
import { exampleEnv } from './test-helpers.js';

const env = { ...exampleEnv, PAGERDUTY_ROUTING_KEY: 'R0uT1nGkEy0123456789abcdefABCDEF', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x' };
const bases = ['drill.yaml', 'example.yaml', 'example-safe.yaml'].map((name) => {
  const text = readFileSync(fileURLToPath(new URL(`../../config/${name}`, import.meta.url)), 'utf8');
  return { name, text, tree: parse(text) as unknown };
});

type Random = () => number;
const pick = <T>(next: Random, items: readonly T[]): T => items[Math.floor(next() * items.length)]!;

const oddValues: unknown[] = [
  null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, '9'.repeat(400), '', ' ', 'x'.repeat(20_000),
  '\u202Eevil\u202C', '\u200B', '😀🔥', 'Ω≈ç√', '../../../../etc/passwd', '${UNSET_VARIABLE}', '${A:-${B}}', '0x', '0xZZ',
  [], [[[]]], {}, { a: { b: { c: {} } } }, '.nan', '.inf', '-.inf', '1_000e18', 'units("1", 99)', 'true', '10m', '-5s',
];

/** Every [parent, key] in a tree, so one can be replaced or deleted. */
function slots(tree: unknown, out: [Record<string | number, unknown>, string | number][] = []): typeof out {
  if (tree && typeof tree === 'object') {
    for (const key of Array.isArray(tree) ? tree.keys() : Object.keys(tree)) {
      out.push([tree as Record<string | number, unknown>, key]);
      slots((tree as Record<string | number, unknown>)[key], out);
    }
  }
  return out;
}

const treeMutations: Record<string, (tree: unknown, next: Random) => void> = {
  drop(tree, next) {
    const [parent, key] = pick(next, slots(tree));
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  },
  replace(tree, next) {
    const [parent, key] = pick(next, slots(tree));
    parent[key] = structuredClone(pick(next, oddValues));
  },
  duplicate(tree, next) {
    const lists = slots(tree).filter(([parent, key]) => Array.isArray(parent[key]) && (parent[key] as unknown[]).length > 0);
    if (lists.length === 0) return;
    const [parent, key] = pick(next, lists);
    const list = parent[key] as unknown[];
    list.push(structuredClone(pick(next, list)));
  },
  unknownKey(tree, next) {
    const objects = slots(tree).filter(([parent, key]) => parent[key] && typeof parent[key] === 'object' && !Array.isArray(parent[key]));
    if (objects.length === 0) return;
    const [parent, key] = pick(next, objects);
    (parent[key] as Record<string, unknown>)[pick(next, ['colour', 'enabeld', '__proto__', 'constructor', 'ünïcode'])] = pick(next, oddValues);
  },
};

const textMutations: Record<string, (text: string, next: Random) => string> = {
  truncate: (text, next) => text.slice(0, Math.floor(next() * text.length)),
  flipByte(text, next) {
    const at = Math.floor(next() * text.length);
    return text.slice(0, at) + pick(next, [':', '-', '[', '{', '"', "'", '&', '*', '!', '%', '\t', '\n', '#', '|', '>', '\u0000', '\uFFFD']) + text.slice(at + 1);
  },
  /** The "billion laughs": nine levels of aliases, each ten times the one before. */
  aliasBomb: (text) =>
    `${text}\nbomb0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n` +
    Array.from({ length: 8 }, (_, i) => `bomb${i + 1}: &a${i + 1} [${Array.from({ length: 10 }, () => `*a${i}`).join(', ')}]`).join('\n'),
  /** Anchors reused where a value is expected: small, legitimate YAML; must still validate. */
  aliasReuse: (text) => text.replace(/^detectors:\n/m, 'x-common: &common { severity: critical }\ndetectors:\n'),
  deepNesting: (text, next) => `${text}\ndeep: ${'['.repeat(500 + Math.floor(next() * 5000))}`,
  hugeDocument: (text) => `${text}\nnotes: [${Array.from({ length: 20_000 }, (_, i) => `n${i}`).join(', ')}]`,
};

function mutate(seed: number): { name: string; text: string } {
  const next = seededRandom(seed);
  const base = bases[seed % bases.length]!;
  if (next() < 0.3) {
    const name = pick(next, Object.keys(textMutations));
    return { name: `${base.name} text:${name}`, text: textMutations[name]!(base.text, next) };
  }
  const tree = structuredClone(base.tree);
  const names: string[] = [];
  for (let count = 1 + Math.floor(next() * 3); count > 0; count -= 1) {
    const name = pick(next, Object.keys(treeMutations));
    treeMutations[name]!(tree, next);
    names.push(name);
  }
  return { name: `${base.name} ${names.join('+')}`, text: stringify(tree, { aliasDuplicateObjects: false }) };
}

/** Load as `warden run` would before connecting. Returns the rejection, or undefined when it loaded. */
function startUp(text: string): ConfigError | undefined {
  try {
    const loaded = parseConfigText({ text, file: 'fuzz.yaml', env });
    createDetectors({ config: loaded.config, contracts: loaded.contracts });
    resolvePauseTargets(loaded.config, loaded.contracts);
    return undefined;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}

const located = (issue: { path: string; message: string }) =>
  issue.message.trim().length > 0 && (issue.path.length > 0 || /^line \d+, column \d+: |^the config is empty|^expected |^unknown key "[^"]*" at the top level|^YAML aliases expand too far/.test(issue.message));

describe('config fuzz', () => {
  it('10,000 seeded mutations each load or are rejected with located issues; nothing else escapes', () => {
    let loadedCount = 0;
    let slowest = { ms: 0, name: '' };
    for (let seed = 1; seed <= 10_000; seed += 1) {
      const { name, text } = mutate(seed);
      const startedAt = performance.now();
      let rejection: ConfigError | undefined;
      try {
        rejection = startUp(text);
      } catch (error) {
        throw new Error(`seed ${seed} (${name}): ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      }
      const ms = performance.now() - startedAt;
      if (ms > slowest.ms) slowest = { ms, name: `seed ${seed} (${name})` };
      if (!rejection) {
        loadedCount += 1;
        continue;
      }
      expect(rejection.issues.length, `seed ${seed} (${name})`).toBeGreaterThan(0);
      const unlocated = rejection.issues.filter((issue) => !located(issue));
      expect(unlocated, `seed ${seed} (${name})`).toEqual([]);
    }
    // Both outcomes occur: the mutations are neither all harmless nor all fatal.
    expect(loadedCount).toBeGreaterThan(100);
    expect(loadedCount).toBeLessThan(9_900);
    console.log(`config fuzz: ${loadedCount} loaded, ${10_000 - loadedCount} rejected; slowest ${slowest.ms.toFixed(1)} ms: ${slowest.name}`);
  }, 600_000);
});
