/** The metric names are a contract: the shipped Grafana dashboard and the README must only name metrics that exist, and the README must name all of ours. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

const read = (path: string) => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');

describe('metric names', async () => {
  const metrics = createMetrics();
  const all = (await metrics.registry.getMetricsAsJSON()).map((metric) => ({ name: metric.name, type: String(metric.type) }));
  const samples = new Set(all.flatMap(({ name, type }) => (type === 'histogram' || type === 'summary' ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`] : [name])));
  const ours = all.map((metric) => metric.name).filter((name) => !/^warden_(process|nodejs)_/.test(name));

  it('the Grafana dashboard queries only metrics warden exports', () => {
    const dashboard = JSON.parse(read('config/grafana-dashboard.json')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const used = dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => target.expr.match(/\bwarden_[a-z0-9_]+/g) ?? []));
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((name) => !samples.has(name))).toEqual([]);
    // Every metric of ours is on the dashboard somewhere.
    expect(ours.filter((name) => !used.some((usedName) => usedName === name || usedName.startsWith(`${name}_`)))).toEqual([]);
  });

  it('the README documents every metric of ours, and names none that does not exist', () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('## Metrics'), readme.indexOf('\n## ', readme.indexOf('## Metrics') + 5));
    const documented = [...section.matchAll(/`(warden_[a-z0-9_]+)`/g)].map((match) => match[1]!);
    expect(ours.filter((name) => !documented.includes(name))).toEqual([]);
    expect(documented.filter((name) => !samples.has(name) && !/^warden_(process|nodejs)_/.test(name))).toEqual([]);
  });
});
