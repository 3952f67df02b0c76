/**
 * Hot reload through the real binaries: `warden run` reloads on SIGHUP, and `warden reload --config`
 * reaches it over Redis and prints its outcome; an invalid file is refused by `warden reload` before
 * any daemon is asked, with the path of the problem. Real anvil and redis-server.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drillConfigPath, runCli, scratchDir, spawnCli, startCliChain, type CliChain } from './cli.js';

const scratch = scratchDir();
let chain: CliChain;
let configPath: string;
const original = readFileSync(drillConfigPath, 'utf8');

beforeAll(async () => {
  chain = await startCliChain();
  configPath = scratch.write('warden.yaml', original);
}, 60_000);
afterAll(async () => {
  await chain?.stop();
  scratch.cleanup();
});

describe('warden reload and SIGHUP', () => {
  it('reloads a running daemon on SIGHUP and on `warden reload`, and refuses an invalid file', async () => {
    const noDaemon = await runCli(['reload', '--config', configPath, '--timeout', '2'], chain.env, 100_000);
    expect(noDaemon.code).toBe(1);
    expect(noDaemon.stderr).toContain('no running warden listens on Redis');

    const run = spawnCli(['run', '--config', configPath], chain.env);
    try {
      await run.waitFor(/warden is following/, 60_000);
      writeFileSync(configPath, original.replace('amount >= 50_000e18', 'amount >= 40_000e18'));
      run.child.kill('SIGHUP');
      await run.waitFor(/"msg":"config reloaded"/, 30_000);
      expect(run.stdout()).toMatch(/"changed":\["detectors"\].*"msg":"config reloaded"/);

      writeFileSync(configPath, original.replace('amount >= 50_000e18', 'amount >= 30_000e18').replace('incidentWindow: 10m', 'incidentWindow: 20m'));
      const reloaded = await runCli(['reload', '--config', configPath], chain.env, 100_000);
      expect(reloaded.code, reloaded.stderr).toBe(0);
      expect(reloaded.stdout).toMatch(/^\S+:\d+: reloaded \(changed: detectors, plan\)$/m);

      writeFileSync(configPath, original.replace('amount >= 50_000e18', 'amount >= '));
      const invalid = await runCli(['reload', '--config', configPath], chain.env, 100_000);
      expect(invalid.code).toBe(1);
      expect(invalid.stderr).toContain('detectors[0].params.where');
      // SIGHUP with the invalid file: logged, and the daemon keeps running.
      run.child.kill('SIGHUP');
      await run.waitFor(/config reload rejected; the running config is kept/, 30_000);
      expect(run.child.exitCode).toBeNull();
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  }, 240_000);
});
