/**
 * The JSON Schema of the config, for editors (yaml-language-server reads `config/schema.json` via the
 * `# yaml-language-server: $schema=./schema.json` comment) and for the generated config reference.
 *
 * Built from the zod schema with io: 'input' — the file as written: keys with defaults are optional
 * and transformed fields (durations, amounts) are described by what you type, not what they become.
 * Refinements that JSON Schema cannot say (cross-references, "set exactly one of") are only in zod.
 */
import { fromPackageRoot } from '../paths.js';
import { z } from 'zod';
import { configSchema } from './schema.js';

export type JsonSchema = Record<string, unknown>;

/** Deterministic: the same zod schema always gives byte-identical JSON (a test compares them). */
export function buildConfigJsonSchema(): JsonSchema {
  const generated = z.toJSONSchema(configSchema, {
    io: 'input',
    target: 'draft-07',
    unrepresentable: 'throw',
    override: restoreInputDefaultsAndExamples,
  }) as JsonSchema;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: 'warden config',
    description: 'Configuration of the warden daemon: chains, contracts, detectors, plan and responders. Strings may use ${VAR} or ${VAR:-default}.',
    ...rest,
  };
}

/**
 * zod drops `default` and `examples` from transforming schemas in input mode, since in general they
 * describe the output. Ours are written as inputs (`blockTime: 12`, examples like "2s" or
 * 'units("1000", 6)'), so they are valid in the file and editors should show them.
 */
function restoreInputDefaultsAndExamples(context: { zodSchema: unknown; jsonSchema: JsonSchema }): void {
  const schema = context.zodSchema as z.ZodType;
  const meta = z.globalRegistry.get(schema);
  if (meta?.examples !== undefined && context.jsonSchema.examples === undefined) context.jsonSchema.examples = meta.examples;
  const definition = (schema as unknown as { _zod: { def: { type: string; defaultValue?: unknown } } })._zod.def;
  if (definition.type === 'default' && context.jsonSchema.default === undefined && isJsonValue(definition.defaultValue)) {
    context.jsonSchema.default = definition.defaultValue;
  }
}

function isJsonValue(value: unknown): boolean {
  return ['string', 'number', 'boolean'].includes(typeof value) || (typeof value === 'object' && value !== null && Object.keys(value).length === 0);
}

/** The text committed as config/schema.json. */
export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(buildConfigJsonSchema(), null, 2)}\n`;
}

/** Where the generated files live in the repository. */
export const configJsonSchemaPath = fromPackageRoot('config', 'schema.json');
export const configReferencePath = fromPackageRoot('docs', 'config-reference.md');
