/**
 * `warden stats`: per-detector evaluations, hits, errors and time spent, as the daemon recorded them in
 * Redis (src/chain/detector-stats.ts), for every chain of the config. Detectors of the config that have
 * not run yet show zeros; ids no longer in the config are listed too (kind "?").
 */
import type { Command } from 'commander';

export function registerStatsCommand(program: Command): void {
  program
    .command('stats')
    .description("Per-detector stats recorded by the running daemon: evaluations, hits, errors, time spent.")
    .requiredOption('-c, --config <file>', 'config file (YAML): its Redis, key prefix, chains and detectors')
    .option('--json', 'print JSON for tools instead of a table')
    .action(async (options: { config: string; json?: boolean }) => {
      const [{ loadConfig }, { openStore }, { readDetectorStats }, { formatDetectorTable }] = await Promise.all([
        import('../config/load.js'),
        import('./incident-store.js'),
        import('../chain/detector-stats.js'),
        import('../replay/output.js'),
      ]);
      const { config } = await loadConfig({ path: options.config });
      const { redis, keyPrefix } = await openStore({ config: options.config });
      try {
        const rows = [];
        for (const chain of config.chains) {
          const totals = await readDetectorStats({ redis, keyPrefix, chainId: chain.id });
          const ids = new Set([...config.detectors.filter((d) => d.enabled).map((d) => d.id), ...totals.keys()]);
          for (const id of ids) {
            const entry = config.detectors.find((d) => d.id === id);
            const counted = totals.get(id);
            // A configured detector watches one chain: skip it on the others unless it has counts there.
            if (!counted && entry && !detectorOnChain(entry, chain.id, config)) continue;
            rows.push({ chain: chain.name, chainId: chain.id, id, kind: entry?.kind ?? '?', totals: counted ?? { evaluations: 0, hits: 0, errors: 0, timeMs: 0 } });
          }
        }
        process.stdout.write(options.json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatDetectorTable(rows, { chain: true })}\n`);
      } finally {
        redis.disconnect();
      }
    });
}

/** Whether a detector entry's contracts are on `chainId` (its params name contracts by `contracts`, `contract` or `token`). */
function detectorOnChain(entry: { params: unknown }, chainId: number, config: { contracts: { name: string; chain: number }[] }): boolean {
  const params = entry.params as Record<string, unknown>;
  const names = [params.contracts, params.contract, params.token].flat().filter((name): name is string => typeof name === 'string');
  if (names.length === 0) return true;
  return names.some((name) => config.contracts.find((c) => c.name === name)?.chain === chainId);
}
