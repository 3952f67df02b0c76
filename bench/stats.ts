/** Order statistics for benchmark output (nearest-rank percentiles). */
export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Counts of each distinct value, e.g. blocksToContainment → { "1": 19, "2": 1 }. */
export function distribution(values: (number | undefined)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[String(value ?? 'none')] = (counts[String(value ?? 'none')] ?? 0) + 1;
  return counts;
}
