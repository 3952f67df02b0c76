/**
 * YAML → plain JS for the config, with two deliberate departures from the YAML 1.2 core schema:
 *
 * - `0x…` stays a string. The core schema reads it as a hex integer, which would turn every unquoted
 *   address into a float (5.46e47) and make the error unreadable.
 * - An integer too large for a JS number (`50000000000000000000000`, `1000e18`) stays the text that was
 *   written, so amount fields can parse it exactly instead of receiving a rounded float.
 *
 * Syntax errors name line and column but never echo the source line: it might hold a secret.
 */
import { parseDocument, type ScalarTag, type Tags } from 'yaml';
import { ConfigError, type ConfigIssue } from './errors.js';

export interface ParseYamlParameters {
  text: string;
  /** Named in the error. */
  file?: string;
}

/** Parses config YAML to plain JS values. Throws ConfigError with `line L, column C: ...` issues. */
export function parseYaml({ text, file }: ParseYamlParameters): unknown {
  const document = parseDocument(text, { customTags: configTags, prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    const issues: ConfigIssue[] = document.errors.map((error) => {
      const position = error.linePos?.[0];
      const where = position ? `line ${position.line}, column ${position.col}: ` : '';
      return { path: '', message: `${where}YAML syntax error: ${firstLineWithoutPosition(error.message)}` };
    });
    throw new ConfigError(issues, file);
  }
  try {
    return document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // yaml's guard against alias bombs ("billion laughs") throws a ReferenceError: still the file's fault.
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      throw new ConfigError([{ path: '', message: 'YAML aliases expand too far (over 100 uses of an anchor, the guard against alias bombs); write the repeated values out' }], file);
    }
    throw error;
  }
}

/** yaml's messages are "<reason> at line L, column C:\n\n<source excerpt>"; keep only the reason. */
function firstLineWithoutPosition(message: string): string {
  const first = message.split('\n')[0] ?? '';
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

function configTags(tags: Tags): Tags {
  return tags
    .filter((tag) => !(isScalarTag(tag) && tag.tag === 'tag:yaml.org,2002:int' && (tag.format === 'HEX' || tag.format === 'OCT')))
    .map((tag) => (isScalarTag(tag) && isNumberTag(tag) ? keepImpreciseAsText(tag) : tag));
}

function isScalarTag(tag: Tags[number]): tag is ScalarTag {
  return typeof tag === 'object' && 'resolve' in tag && !('collection' in tag && tag.collection);
}

function isNumberTag(tag: ScalarTag): boolean {
  return tag.tag === 'tag:yaml.org,2002:int' || tag.tag === 'tag:yaml.org,2002:float';
}

function keepImpreciseAsText(tag: ScalarTag): ScalarTag {
  return {
    ...tag,
    resolve(source, onError, options) {
      const value = tag.resolve(source, onError, options);
      if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) return source;
      return value;
    },
  };
}
