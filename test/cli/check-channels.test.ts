/** `warden check` loads the notification channels' secrets offline and names a missing one, never a value. */
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli } from './cli.js';

const example = `${repoRoot}/config/example.yaml`;
const base = { MAINNET_RPC_URL: 'https://a.example', MAINNET_RPC_FALLBACK_URL: 'https://b.example', MAINNET_WS_URL: 'wss://c.example', WARDEN_WEBHOOK_URL: 'https://hooks.example/x' };
const rowOf = (stdout: string) => (JSON.parse(stdout) as { check: string; ok: boolean; detail: string }[]).find((row) => row.check === 'channel secrets');

describe('warden check: channel secrets', () => {
  it('fails the row naming the variable that is not set', async () => {
    const result = await runCli(['check', '-c', example, '--json'], { ...base, SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX' });
    const row = rowOf(result.stdout);
    expect(row?.ok).toBe(false);
    expect(row?.detail).toContain('PAGERDUTY_ROUTING_KEY');
    expect(result.stdout).not.toContain('XXXXXXXXXXXXXXXX');
  });

  it('passes the row when every secret loads', async () => {
    const result = await runCli(['check', '-c', example, '--json'], { ...base, SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX', PAGERDUTY_ROUTING_KEY: 'R0123456789abcdef0123456789abcdef', PAGERDUTY_BACKUP_ROUTING_KEY: 'B0123456789abcdef0123456789abcdef' });
    const row = rowOf(result.stdout);
    expect(row, result.stdout + result.stderr).toMatchObject({ ok: true });
    expect(row!.detail).toContain('oncall-pager (pagerduty)');
  });
});
