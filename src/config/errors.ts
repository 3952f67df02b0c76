/**
 * Config errors name the exact path and what would be valid, so a person can fix the file
 * without reading code: `detectors[2].params.threshold: expected a positive amount like 1_000e18, got "-5"`.
 */
export interface ConfigIssue {
  /** Dotted path with array indexes, e.g. `detectors[2].params.where`. Empty for the whole file. */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly issues: ConfigIssue[],
    /** The file the issues are in, when known. */
    readonly file?: string,
  ) {
    super(formatIssues(issues, file));
  }
}

function formatIssues(issues: ConfigIssue[], file?: string): string {
  const head = file ? `invalid config ${file}:` : 'invalid config:';
  return [head, ...issues.map((issue) => `  ${issue.path ? `${issue.path}: ` : ''}${issue.message}`)].join('\n');
}

/** Formats a zod-style path (`['detectors', 2, 'params']`) as `detectors[2].params`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => {
    if (typeof part === 'number') return `${out}[${part}]`;
    return out ? `${out}.${String(part)}` : String(part);
  }, '');
}
