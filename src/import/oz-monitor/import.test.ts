/**
 * The fixture folder (test/fixtures/oz-monitor) converts to a config warden's own loader accepts and
 * whose detectors build; everything left out is in the report with its reason; no secret from the
 * input reaches the config or the report.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../config/load.js';
import { ConfigError } from '../../config/errors.js';
import { createDetectors } from '../../../detectors/index.js';
import { formatImportReport, importOzMonitor, OzMonitorFolderError, type ImportReport } from './index.js';
import { environmentFor, fixtureDir } from './test-helpers.js';

/** The fake secrets in the fixtures: none may be written anywhere. */
const secrets = [
  'FAKEfake0123456789KEYkey',
  'SECRETSECRETsecret123',
  'hmac-secret-value-123',
  'SECRET-TOKEN-abc123',
  'SLACKsecret0123456789',
  'TELEGRAMsecretTOKENvalue',
  'EMAILpasswordSECRET',
  'UNUSEDsecret0123456789',
];

let yaml: string;
let report: ImportReport;
beforeAll(async () => {
  const result = await importOzMonitor({ dir: fixtureDir });
  yaml = result.yaml!;
  report = result.report;
});

describe('the fixture folder', () => {
  it('converts to a config that loads with warden\'s loader and whose detectors build', () => {
    const loaded = parseConfigText({ text: yaml, file: 'imported.yaml', env: environmentFor(report) });
    const detectors = createDetectors({ config: loaded.config, contracts: loaded.contracts });
    expect(detectors.map((detector) => detector.id).sort()).toEqual([
      'demo-token-large-moves-in-and-out-of-the-vault-transfer',
      'demo-vault-large-or-suspicious-withdrawals-deposit',
      'demo-vault-large-or-suspicious-withdrawals-withdraw',
      'usdc-on-mainnet-note',
      'usdc-on-mainnet-transfer',
    ]);
    const byId = new Map(loaded.config.detectors.map((detector) => [detector.id, detector]));
    expect(byId.get('demo-vault-pause-and-unpause-paused')?.enabled).toBe(false); // paused in OZ Monitor
    const where = (id: string) => (byId.get(id)?.params as { where?: string }).where;
    expect(where('demo-vault-large-or-suspicious-withdrawals-withdraw')).toBe(
      '(amount > 100000000000000000000000) or (to == 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC)',
    );
    expect(where('demo-vault-large-or-suspicious-withdrawals-deposit')).toBe('amount >= 200000000000000000000000');
    expect(where('usdc-on-mainnet-note')).toBe('memo contains "EXPLOIT" or ids contains 7 and order.amount >= 1000');
    expect(loaded.config.chains.map((chain) => [chain.id, chain.rpc.http.length, chain.rpc.ws.length])).toEqual([
      [31337, 1, 0],
      [1, 3, 1],
    ]);
    expect(loaded.config.plan.rules.map((rule) => rule.steps)).toEqual([
      ['record', { notify: 'vault_oncall_webhook' }],
      ['record', { notify: 'vault_oncall_webhook' }],
      ['record', { notify: 'vault_oncall_webhook' }],
      ['record', { notify: 'mainnet_webhook_env' }],
    ]);
    expect(loaded.config.responders.pauses).toEqual([]);
    expect(report.converted).toEqual({ chains: 2, contracts: 3, detectors: 6, webhooks: 2, rules: 4 });
  });

  it('reads secrets through placeholders: without the variables, the loader names each one', () => {
    let caught: unknown;
    try {
      parseConfigText({ text: yaml, file: 'imported.yaml', env: {} });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as ConfigError).message;
    for (const name of ['ETHEREUM_MAINNET_RPC_URL', 'ETHEREUM_MAINNET_WS_URL', 'MAINNET_BACKUP_RPC', 'VAULT_ONCALL_WEBHOOK_URL', 'OPS_WEBHOOK_URL']) {
      expect(message).toContain(`environment variable ${name} is not set`);
    }
    expect(report.environment.map((variable) => variable.name).sort()).toEqual([
      'ETHEREUM_MAINNET_RPC_URL',
      'ETHEREUM_MAINNET_WS_URL',
      'MAINNET_BACKUP_RPC',
      'OPS_WEBHOOK_URL',
      'VAULT_ONCALL_WEBHOOK_URL',
    ]);
    expect(yaml).toContain('- https://ethereum-rpc.publicnode.com'); // a url without credentials is kept
  });

  it('never writes a secret from the input into the config or the report', () => {
    const text = formatImportReport(report);
    for (const secret of secrets) {
      expect(yaml).not.toContain(secret);
      expect(text).not.toContain(secret);
      expect(JSON.stringify(report)).not.toContain(secret);
    }
  });

  it('reports everything it left out, with the reason', () => {
    const notConverted = report.notConverted.map((item) => `${item.file} ${item.path ?? ''} | ${item.subject} | ${item.reason}`);
    const expected: [string, string][] = [
      ['demo_vault_withdrawals.json match_conditions.functions[0] | function condition withdrawTo(address,address,uint256) where amount > 0', '`call` detector'],
      ['demo_token_transfers.json match_conditions.transactions[0] | transaction condition status Success where value == 0', 'do not see the transaction'],
      ['demo_token_transfers.json trigger_conditions[0] | filter script ./config/filters/large_only.sh (filters/large_only.sh)', 'does not run scripts'],
      ['demo_vault_paused.json addresses[1] | address 0x000000000000000000000000000000000000dEaD', 'no contract_spec'],
      ['mainnet_usdc.json networks[1] | network stellar_testnet', 'EVM chains only'],
      ['mainnet_usdc.json networks[2] | network polygon_mainnet', 'no network with this slug'],
      ['mainnet_usdc.json match_conditions.events[2].expression | event condition Approval(address,address,uint256) where owner > 5', 'column 7: OpenZeppelin Monitor does not take ">" for an address'],
      ['mainnet_usdc.json triggers[3] | trigger missing_trigger', 'no trigger with this key'],
      ['networks/base_mainnet.json  | network base_mainnet', 'no converted monitor watches it'],
      ['triggers/chat.json vault_slack | trigger vault_slack (slack)', 'not converted yet'],
      ['triggers/chat.json token_telegram | trigger token_telegram (telegram)', 'TOKEN_TELEGRAM_TOKEN'],
      ['triggers/chat.json ops_discord | trigger ops_discord (discord)', 'such as OPS_DISCORD_URL'],
      ['triggers/chat.json ops_email | trigger ops_email (email)', 'OPS_EMAIL_SMTP_PASSWORD'],
      ['triggers/scripts.json notify_script | trigger notify_script (script)', 'does not run scripts'],
      ['triggers/webhooks.json unused_webhook | trigger unused_webhook (webhook)', 'no monitor uses it'],
    ];
    for (const [where, why] of expected) {
      const line = notConverted.find((entry) => entry.includes(where));
      expect(line, where).toBeDefined();
      expect(line, where).toContain(why);
    }
    const differences = report.differences.map((item) => `${item.subject} | ${item.reason}`);
    for (const fragment of ['enabled: false', 'renders order (a struct', 'not signed', 'headers not sent: Authorization', 'always POSTs', 'title/body template', 'raw match']) {
      expect(differences.some((entry) => entry.includes(fragment)), fragment).toBe(true);
    }
  });

  it('writes the same file every time', async () => {
    expect((await importOzMonitor({ dir: fixtureDir })).yaml).toBe(yaml);
  });
});

describe('folders that are not, or not only, what OZ Monitor reads', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'warden-oz-import-'));
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  it('rejects a missing folder and a folder without networks/, monitors/ or triggers/', async () => {
    await expect(importOzMonitor({ dir: join(scratch, 'missing') })).rejects.toThrow(OzMonitorFolderError);
    await mkdir(join(scratch, 'empty'));
    await expect(importOzMonitor({ dir: join(scratch, 'empty') })).rejects.toThrow('has no networks/, monitors/ or triggers/ folder');
  });

  it('reports a broken file and still converts the others', async () => {
    const dir = join(scratch, 'broken');
    await cp(fixtureDir, dir, { recursive: true });
    await writeFile(join(dir, 'monitors', 'broken.json'), '{ "name": "half');
    await writeFile(join(dir, 'monitors', 'wrong_shape.json'), JSON.stringify({ name: 5, networks: 'anvil_local' }));
    const result = await importOzMonitor({ dir });
    expect(result.report.converted.detectors).toBe(6);
    expect(result.report.notConverted).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'monitors/broken.json', reason: expect.stringContaining('not valid JSON') }),
        expect.objectContaining({ file: 'monitors/wrong_shape.json', reason: expect.stringMatching(/not in OpenZeppelin Monitor's format \(name: .*networks: /) }),
      ]),
    );
  });

  it('handles what real folders contain: keyword parameter names, empty expressions, repeated addresses, several networks', async () => {
    const dir = join(scratch, 'odd');
    await mkdir(join(dir, 'monitors'), { recursive: true });
    await cp(join(fixtureDir, 'networks'), join(dir, 'networks'), { recursive: true });
    const spec = [
      { type: 'event', name: 'Odd', anonymous: false, inputs: [{ name: 'address', type: 'address', indexed: true }, { name: 'value', type: 'uint256', indexed: false }] },
    ];
    const address = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
    await writeFile(
      join(dir, 'monitors', 'odd.json'),
      JSON.stringify({
        name: 'Odd',
        networks: ['anvil_local', 'ethereum_mainnet'],
        addresses: [{ address, contract_spec: spec }, { address: address.toLowerCase(), contract_spec: spec }],
        match_conditions: {
          events: [
            { signature: 'Odd(address,uint256)', expression: "address == '0x5FbDB2315678afecb367f032d93F642f64180aa3' AND value > 2" },
            { signature: 'Missing(uint256)', expression: null },
            { signature: 'odd(address, uint256)', expression: '' },
          ],
        },
      }),
    );
    const result = await importOzMonitor({ dir });
    // The empty expression never matched in OZ Monitor, so the Odd condition group is not converted…
    expect(result.yaml).toBeUndefined();
    expect(result.report.notConverted.map((item) => `${item.path}: ${item.reason}`)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^match_conditions.events\[1\]: no monitored address has this event/),
        expect.stringMatching(/^match_conditions.events\[2\].expression: column 1: empty expression: OpenZeppelin Monitor rejects it/),
      ]),
    );
    // …and without it the rest converts: one detector per chain, the repeated address once, the ABI as JSON.
    const monitor = JSON.parse(await readFile(join(dir, 'monitors', 'odd.json'), 'utf8')) as { match_conditions: { events: unknown[] } };
    monitor.match_conditions.events.pop();
    await writeFile(join(dir, 'monitors', 'odd.json'), JSON.stringify(monitor));
    const fixed = await importOzMonitor({ dir });
    const loaded = parseConfigText({ text: fixed.yaml!, env: environmentFor(fixed.report) });
    expect(createDetectors({ config: loaded.config, contracts: loaded.contracts }).map((d) => [d.id, d.chainId])).toEqual([
      ['odd-odd-anvil_local', 31337],
      ['odd-odd-ethereum_mainnet', 1],
    ]);
    expect(loaded.config.detectors[0]!.params).toEqual({
      contracts: ['odd-1-anvil_local'],
      event: 'Odd',
      where: 'address == 0x5FbDB2315678afecb367f032d93F642f64180aa3 and value > 2',
    });
    // `address` is a Solidity keyword, so a human-readable signature would not parse: the ABI is JSON.
    expect(loaded.config.contracts[0]!.abi).toEqual([expect.objectContaining({ type: 'event', name: 'Odd' })]);
  });

  it('writes no config when nothing converts, and says why', async () => {
    const dir = join(scratch, 'nothing');
    await mkdir(join(dir, 'monitors'), { recursive: true });
    await mkdir(join(dir, 'networks'));
    await cp(join(fixtureDir, 'networks', 'anvil_local.json'), join(dir, 'networks', 'anvil_local.json'));
    await writeFile(
      join(dir, 'monitors', 'calls.json'),
      JSON.stringify({ name: 'Calls only', networks: ['anvil_local'], addresses: [{ address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', contract_spec: [] }], match_conditions: { functions: [{ signature: 'pause()' }] } }),
    );
    const result = await importOzMonitor({ dir });
    expect(result.yaml).toBeUndefined();
    expect(result.report.converted.detectors).toBe(0);
    expect(result.report.notConverted.map((item) => item.subject)).toEqual(['function condition pause()', 'network anvil_local']);
  });
});
