/**
 * Reads an OpenZeppelin Monitor config folder: `networks/*.json`, `monitors/*.json`,
 * `triggers/*.json` and the names in `filters/`. Shapes are checked loosely (unknown keys are
 * kept, as OZ Monitor adds fields over versions); a file that does not parse or has the wrong shape
 * becomes a report item naming the file and the path, and the rest is still read.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { ImportReportItem } from './report.js';

/** OZ Monitor's secret: `{ "type": "plain" | "environment" | "HashicorpCloudVault", "value": … }` (any case). Older files have a bare string. */
const secretValue = z.union([z.string(), z.looseObject({ type: z.string(), value: z.string() })]);
export type OzSecretValue = z.infer<typeof secretValue>;

const network = z.looseObject({
  network_type: z.string(),
  slug: z.string().min(1),
  name: z.string().optional(),
  rpc_urls: z.array(z.looseObject({ type_: z.string().optional(), url: secretValue, weight: z.number().optional() })).default([]),
  chain_id: z.number().int().positive().optional(),
  block_time_ms: z.number().positive().optional(),
  confirmation_blocks: z.number().optional(),
  cron_schedule: z.string().optional(),
  max_past_blocks: z.number().optional(),
});
export type OzNetwork = z.infer<typeof network>;

const condition = z.looseObject({ signature: z.string().min(1), expression: z.string().nullish() });
const monitor = z.looseObject({
  name: z.string().min(1),
  paused: z.boolean().default(false),
  networks: z.array(z.string()).default([]),
  addresses: z
    .array(z.looseObject({ address: z.string(), contract_spec: z.unknown().optional(), abi: z.unknown().optional() }))
    .default([]),
  match_conditions: z
    .looseObject({
      functions: z.array(condition).default([]),
      events: z.array(condition).default([]),
      transactions: z.array(z.looseObject({ status: z.string().default('Any'), expression: z.string().nullish() })).default([]),
    })
    .prefault({}),
  trigger_conditions: z
    .array(z.looseObject({ script_path: z.string(), language: z.string().optional(), arguments: z.unknown().optional() }))
    .default([]),
  triggers: z.array(z.string()).default([]),
});
export type OzMonitor = z.infer<typeof monitor>;

const trigger = z.looseObject({ name: z.string().optional(), trigger_type: z.string(), config: z.record(z.string(), z.unknown()).default({}) });
export type OzTrigger = z.infer<typeof trigger>;
const triggersFile = z.record(z.string(), trigger);

/** A value and the file it came from, relative to the folder (`monitors/usdc.json`). */
export interface Sourced<T> {
  file: string;
  value: T;
}

export interface OzMonitorFolder {
  networks: Sourced<OzNetwork>[];
  monitors: Sourced<OzMonitor>[];
  /** By trigger key (the name monitors refer to). */
  triggers: Map<string, Sourced<OzTrigger>>;
  /** File names in filters/ (scripts are never run, only named in the report). */
  filters: string[];
  /** Files that could not be read, with the reason. */
  problems: ImportReportItem[];
}

/** The folder is not an OZ Monitor config folder at all (or cannot be read). */
export class OzMonitorFolderError extends Error {
  override name = 'OzMonitorFolderError';
}

/** Reads the folder. Throws OzMonitorFolderError when DIR is missing or has none of networks/, monitors/, triggers/. */
export async function readOzMonitorFolder({ dir }: { dir: string }): Promise<OzMonitorFolder> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new OzMonitorFolderError(`${dir} is not a folder; pass the OpenZeppelin Monitor config folder (the one holding networks/, monitors/ and triggers/)`);
  const [networkFiles, monitorFiles, triggerFiles, filters] = await Promise.all(
    ['networks', 'monitors', 'triggers', 'filters'].map((sub) => listFiles(join(dir, sub))),
  );
  if (!networkFiles && !monitorFiles && !triggerFiles) {
    throw new OzMonitorFolderError(`${dir} has no networks/, monitors/ or triggers/ folder; pass the OpenZeppelin Monitor config folder (often ./config)`);
  }
  const problems: ImportReportItem[] = [];
  const read = async <T>(sub: string, names: string[] | undefined, schema: z.ZodType<T>): Promise<Sourced<T>[]> => {
    const out: Sourced<T>[] = [];
    for (const name of (names ?? []).filter((file) => file.endsWith('.json'))) {
      const file = `${sub}/${name}`;
      const value = await readJson(join(dir, sub, name), file, schema, problems);
      if (value !== undefined) out.push({ file, value });
    }
    return out;
  };
  const triggers = new Map<string, Sourced<OzTrigger>>();
  for (const { file, value } of await read('triggers', triggerFiles, triggersFile)) {
    for (const [key, entry] of Object.entries(value)) {
      const earlier = triggers.get(key);
      if (earlier) problems.push({ file, path: key, subject: `trigger ${key}`, reason: `the key is also defined in ${earlier.file}; OpenZeppelin Monitor requires unique trigger keys, so this one is ignored` });
      else triggers.set(key, { file, value: entry });
    }
  }
  return {
    networks: await read('networks', networkFiles, network),
    monitors: await read('monitors', monitorFiles, monitor),
    triggers,
    filters: filters ?? [],
    problems,
  };
}

/** Sorted file names, or undefined when the folder does not exist. */
async function listFiles(path: string): Promise<string[] | undefined> {
  try {
    const entries = await readdir(path, { withFileTypes: true });
    return entries.filter((entry) => entry.isFile()).map((entry) => entry.name).sort();
  } catch {
    return undefined;
  }
}

async function readJson<T>(path: string, file: string, schema: z.ZodType<T>, problems: ImportReportItem[]): Promise<T | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    problems.push({ file, subject: file, reason: `not read: ${error instanceof SyntaxError ? `not valid JSON (${error.message})` : String(error)}` });
    return undefined;
  }
  const result = schema.safeParse(parsed);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 3).map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  problems.push({ file, subject: file, reason: `not read: not in OpenZeppelin Monitor's format (${issues.join('; ')})` });
  return undefined;
}
