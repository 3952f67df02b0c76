/**
 * `npm run chaos`: the long chaos run (docs/chaos.md). Writes chaos/report.json (and the replicas' logs,
 * configs and Redis data under chaos/run/), prints the summary, exits 1 when a target is missed.
 *
 *   npm run chaos -- --blocks 1000 --seed 1 --kills 10 --exploits 5
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runChaos } from './chaos-run.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: {
    blocks: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    kills: { type: 'string', default: '10' },
    'response-kills': { type: 'string' },
    exploits: { type: 'string', default: '5' },
    'block-time': { type: 'string', default: '0.5' },
    'rpc-error-rate': { type: 'string', default: '0.05' },
    'reorg-rate': { type: 'string', default: '0.02' },
    'ws-drop-every': { type: 'string', default: '100' },
    'redis-restarts': { type: 'string', default: '1' },
    'redis-down-ms': { type: 'string', default: '5000' },
    'keep-exploits-apart-from-redis': { type: 'boolean', default: false },
    report: { type: 'string', default: join(root, 'chaos', 'report.json') },
    dir: { type: 'string', default: join(root, 'chaos', 'run') },
  },
});
const number = (name: keyof typeof values) => {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number, got ${String(values[name])}`);
  return value;
};

const report = await runChaos({
  blocks: number('blocks'),
  seed: number('seed'),
  kills: number('kills'),
  ...(values['response-kills'] !== undefined ? { responseKills: number('response-kills') } : {}),
  exploits: number('exploits'),
  blockTime: number('block-time'),
  rpcErrorRate: number('rpc-error-rate'),
  reorgRate: number('reorg-rate'),
  wsDropEvery: number('ws-drop-every'),
  redisRestarts: number('redis-restarts'),
  redisDownMs: number('redis-down-ms'),
  exploitDuringRedisOutage: !values['keep-exploits-apart-from-redis'],
  dir: values.dir!,
  progress: (message) => console.error(`[chaos] ${message}`),
});
mkdirSync(dirname(values.report!), { recursive: true });
writeFileSync(values.report!, `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report.summary, null, 2));
console.log(`report: ${values.report}`);
process.exit(report.summary.targetsMet ? 0 : 1);
