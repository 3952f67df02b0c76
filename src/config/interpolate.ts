/**
 * `${VAR}` / `${VAR:-default}` interpolation over an already parsed config tree.
 *
 * Working on parsed values (not on the YAML text) is what makes it safe: an environment value is
 * only ever the content of one string, so it cannot add keys, lists or YAML syntax. `$${` is a
 * literal `${`.
 */

export type ConfigPath = (string | number)[];

export interface PathIssue {
  path: ConfigPath;
  message: string;
}

export interface InterpolateParameters {
  value: unknown;
  env: NodeJS.ProcessEnv;
}

export interface InterpolateResult {
  value: unknown;
  issues: PathIssue[];
  /** Values that were `${...}` references, with their raw text: the secret scan looks at defaults too. */
  references: { path: ConfigPath; variables: string[]; defaults: string[] }[];
}

const referencePattern = /\$\$\{|\$\{([^}]*)\}/g;
const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replaces references in every string value (not in keys). A string that is exactly one reference
 * and whose result reads as a number or true/false becomes that number or boolean, as the same
 * text written in the YAML would (`chain: ${CHAIN_ID}`); nothing else is re-parsed.
 * A missing variable without a default is an issue naming the path and the variable.
 */
export function interpolateEnv({ value, env }: InterpolateParameters): InterpolateResult {
  const result: InterpolateResult = { value: undefined, issues: [], references: [] };
  result.value = walk(value, [], env, result);
  return result;
}

function walk(value: unknown, path: ConfigPath, env: NodeJS.ProcessEnv, result: InterpolateResult): unknown {
  if (typeof value === 'string') return interpolateString(value, path, env, result);
  if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index], env, result));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, [...path, key], env, result)]));
  }
  return value;
}

function interpolateString(text: string, path: ConfigPath, env: NodeJS.ProcessEnv, result: InterpolateResult): unknown {
  if (!text.includes('${')) return text;
  const variables: string[] = [];
  const defaults: string[] = [];
  let references = 0;
  let failed = false;
  const replaced = text.replace(referencePattern, (match, body: string | undefined) => {
    if (match === '$${') return '${';
    references += 1;
    const separator = body!.indexOf(':-');
    const name = (separator === -1 ? body! : body!.slice(0, separator)).trim();
    const fallback = separator === -1 ? undefined : body!.slice(separator + 2);
    if (!variableName.test(name)) {
      failed = true;
      result.issues.push({
        path,
        message: `"\${${name}}" is not a valid variable reference; write \${NAME} or \${NAME:-default} (or $\${ for a literal "\${")`,
      });
      return match;
    }
    variables.push(name);
    if (fallback !== undefined) defaults.push(fallback);
    const fromEnv = env[name];
    // Shell semantics: ${VAR:-default} also applies when VAR is set but empty.
    if (fromEnv !== undefined && !(fallback !== undefined && fromEnv === '')) return fromEnv;
    if (fallback !== undefined) return fallback;
    failed = true;
    result.issues.push({
      path,
      message: `environment variable ${name} is not set (use \${${name}:-default} for a fallback)`,
    });
    return match;
  });
  if (variables.length > 0) result.references.push({ path, variables, defaults });
  if (failed) return replaced;
  const wholeValueReference = references === 1 && /^\$\{[^}]*\}$/.test(text);
  return wholeValueReference ? asScalar(replaced) : replaced;
}

function asScalar(text: string): unknown {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(text)) {
    const number = Number(text);
    // Integers beyond 2^53 stay text, exactly as the YAML loader keeps them, so amounts stay exact.
    if (!Number.isInteger(number) || Number.isSafeInteger(number)) return number;
  }
  return text;
}
