/** "Did you mean" for config names: keys, enum values, contract and detector ids. */

/**
 * The closest candidate to `input`, if it is close enough to be a likely typo
 * (case-insensitive equal, or an edit distance of at most a third of its length, minimum 1).
 */
export function closestMatch(params: { input: string; candidates: readonly string[] }): string | undefined {
  const input = params.input.toLowerCase();
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of params.candidates) {
    const distance = editDistance(input, candidate.toLowerCase());
    if (best === undefined || distance < best.distance) best = { candidate, distance };
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(input.length, best.candidate.length) / 3));
  return best.distance <= allowed ? best.candidate : undefined;
}

/** `; did you mean "x"?` or an empty string. */
export function didYouMean(params: { input: string; candidates: readonly string[] }): string {
  const match = closestMatch(params);
  return match === undefined ? '' : `; did you mean ${JSON.stringify(match)}?`;
}

/** Levenshtein distance, with adjacent transpositions counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const columns = b.length + 1;
  const table: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: columns }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < columns; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(table[i - 1]![j]! + 1, table[i]![j - 1]! + 1, table[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, table[i - 2]![j - 2]! + 1);
      table[i]![j] = value;
    }
  }
  return table[a.length]![b.length]!;
}

/** `no pause named "x"; did you mean "y"? (configured: a, b)` for a dangling reference. */
export function unknownName(what: string, name: string, known: string[], section = `${what}s`): string {
  const configured = known.length > 0 ? ` (configured: ${[...new Set(known)].join(', ')})` : ` (none configured in ${section})`;
  return `no ${what} named ${JSON.stringify(name)}${didYouMean({ input: name, candidates: known })}${configured}`;
}
