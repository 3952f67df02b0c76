/**
 * The rows of `warden check`. Offline: the config loads, detectors build, pause targets resolve, and
 * the guardian key, Safe signer keys and notification channel secrets load. Live: Redis answers, every RPC url (HTTP and WebSocket) answers with the configured chain id,
 * watched contracts have code, and the readiness checks the daemon runs every N blocks pass
 * (responders/readiness.ts): every pause step simulated as it would be sent (directly, through a Safe
 * or a Roles module), the guardian's ETH for `minPauses` pauses, and each Safe's set-up.
 *
 * Guarantee: a row's detail is one line, names what is wrong and how to fix it, and never contains a
 * secret — urls appear only through `redactUrl`, viem errors only through their short message.
 */
import { createPublicClient, http, webSocket, type Address, type LocalAccount, type PublicClient } from 'viem';
import { createDetectors } from '../../detectors/index.js';
import { loadGuardianAccount } from '../../responders/guardian-key.js';
import { createPauseCallBuilder } from '../../responders/pause-route.js';
import { resolvePauseTargets } from '../../responders/pause-targets.js';
import { runReadinessChecks } from '../../responders/readiness.js';
import { loadSafeSigners } from '../../responders/safe/signers.js';
import { ConfigError, type ConfigIssue } from '../config/errors.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import type { ChainConfig } from '../config/schema.js';
import { connectRedis } from '../redis.js';
import { redactUrl } from '../log.js';
import { describeError } from '../errors.js';

export interface CheckRow {
  /** What was checked: config, guardian key, redis, chain id, has code, can pause, guardian funds. */
  check: string;
  /** What it was checked on (a file, a redacted url, a contract, an address). */
  subject: string;
  ok: boolean;
  /** One line: the finding, or what is wrong and how to fix it. */
  detail: string;
}

export interface ConfigRowsReturnType {
  rows: CheckRow[];
  loaded: LoadedConfig;
  /** The guardian's address, when the key loaded. */
  guardian?: Address;
  /** The guardian account, when the key loaded (live checks simulate with it). */
  account?: LocalAccount;
}

/**
 * Validates the config at `path` as `warden run` would load it.
 * @throws ConfigError (naming the file) when the config, a detector or a pause target is invalid.
 */
export async function configRows(params: { path: string; env?: NodeJS.ProcessEnv }): Promise<ConfigRowsReturnType> {
  const loaded = await loadConfig({ path: params.path, env: params.env });
  const { config, contracts } = loaded;
  const rows: CheckRow[] = [{ check: 'config', subject: params.path, ok: true, detail: 'valid' }];
  let account: LocalAccount | undefined;
  const guardianConfig = config.responders.guardian;
  if (guardianConfig) {
    const subject = guardianConfig.privateKeyEnv ? `$${guardianConfig.privateKeyEnv}` : (guardianConfig.privateKeyFile ?? '');
    try {
      account = loadGuardianAccount({ guardian: guardianConfig, env: params.env });
      rows.push({ check: 'guardian key', subject, ok: true, detail: account.address });
    } catch (error) {
      // GuardianKeyError messages name the variable or file, never the key material.
      rows.push({ check: 'guardian key', subject, ok: false, detail: describeError(error) });
    }
  }
  if (config.responders.safes.some((safe) => safe.signers)) {
    try {
      const signers = loadSafeSigners({ safes: config.responders.safes, guardian: account, env: params.env });
      const detail = [...signers].map(([id, keys]) => `${id}: ${keys.map((key) => key.address).join(', ')}`).join('; ');
      rows.push({ check: 'safe signer keys', subject: 'responders.safes', ok: true, detail });
    } catch (error) {
      rows.push({ check: 'safe signer keys', subject: 'responders.safes', ok: false, detail: describeError(error) });
    }
  }
  if (config.responders.channels.length > 0) {
    const { loadChannelSecrets } = await import('../../responders/notify/index.js');
    try {
      await loadChannelSecrets({ channels: config.responders.channels, env: params.env });
      rows.push({ check: 'channel secrets', subject: 'responders.channels', ok: true, detail: config.responders.channels.map((channel) => `${channel.id} (${channel.kind})`).join(', ') });
    } catch (error) {
      // ChannelSecretError names each variable or file, never a value.
      rows.push({ check: 'channel secrets', subject: 'responders.channels', ok: false, detail: describeError(error) });
    }
  }
  // Detectors (event names, conditions) and pause targets (signatures, args) are checked when built:
  // collect both sets of issues, and name the file (they come without one).
  const issues: ConfigIssue[] = [];
  const collect = (build: () => void) => {
    try {
      build();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues);
    }
  };
  collect(() => createDetectors({ config, contracts, guardianAddresses: account ? [account.address] : [], customModules: loaded.customDetectors }));
  collect(() => resolvePauseTargets(config, contracts));
  if (issues.length > 0) throw new ConfigError(issues, params.path);
  return { rows, loaded, guardian: account?.address, account };
}

/** Runs `run` and turns any exception into a failed row with a one-line, redacted detail. */
async function attempt(check: string, subject: string, run: () => Promise<{ ok: boolean; detail: string }>): Promise<CheckRow> {
  try {
    return { check, subject, ...(await run()) };
  } catch (error) {
    return { check, subject, ok: false, detail: describeError(error) };
  }
}

function rpcClient(chain: ChainConfig, url: string): PublicClient {
  // No retries: a check reports what the endpoint does now, and fails fast when it is down.
  return createPublicClient({ transport: http(url, { timeout: chain.rpcTimeout * 1000, retryCount: 0 }) });
}

/** The follower takes heads from the WebSocket urls: they must serve the same chain. */
async function wsChainIdRow(chain: ChainConfig, url: string): Promise<CheckRow> {
  const transport = webSocket(url, { timeout: chain.rpcTimeout * 1000, retryCount: 0, reconnect: false, keepAlive: false });
  const client = createPublicClient({ transport });
  return attempt('chain id', `${chain.name} ${redactUrl(url)}`, async () => {
    try {
      const answered = await client.getChainId();
      if (answered === chain.id) return { ok: true, detail: `${answered}` };
      return { ok: false, detail: `the WebSocket endpoint serves chain id ${answered} but the config says ${chain.id}: fix the url or the chain's id` };
    } finally {
      await client.transport.getRpcClient().then((rpc) => rpc.close(), () => undefined);
    }
  });
}

async function chainIdRow(chain: ChainConfig, url: string): Promise<{ row: CheckRow; client?: PublicClient }> {
  const client = rpcClient(chain, url);
  let answered: number | undefined;
  const row = await attempt('chain id', `${chain.name} ${redactUrl(url)}`, async () => {
    answered = await client.getChainId();
    if (answered === chain.id) return { ok: true, detail: `${answered}` };
    return { ok: false, detail: `the endpoint serves chain id ${answered} but the config says ${chain.id}: fix the url or the chain's id` };
  });
  return { row, client: answered === chain.id ? client : undefined };
}

/**
 * Connects to Redis and every chain of `loaded`, and returns one row per check. Checks run
 * concurrently; rows come back in a fixed order (redis, chain ids, contract code, pauses, funds).
 */
export async function liveRows(params: { loaded: LoadedConfig; account?: LocalAccount; env?: NodeJS.ProcessEnv }): Promise<CheckRow[]> {
  const { loaded } = params;
  const { config, contracts } = loaded;
  const redisRow = attempt('redis', redactUrl(config.redis.url), async () => {
    const redis = await connectRedis(config.redis.url);
    redis.disconnect();
    return { ok: true, detail: 'answers' };
  });
  const chainChecks = await Promise.all(
    config.chains.map(async (chain) => {
      const [results, wsRows] = await Promise.all([
        Promise.all(chain.rpc.http.map((url) => chainIdRow(chain, url))),
        Promise.all(chain.rpc.ws.map((url) => wsChainIdRow(chain, url))),
      ]);
      return { chain, rows: [...results.map((result) => result.row), ...wsRows], client: results.find((result) => result.client)?.client };
    }),
  );
  const clients = new Map(chainChecks.map((entry) => [entry.chain.id, entry.client]));
  const names = new Map(config.chains.map((chain) => [chain.id, chain.name]));
  /** A row that needs chain `chainId`: failed without trying when none of its urls serves that chain. */
  const onChain = (check: string, subject: string, chainId: number, run: (client: PublicClient) => Promise<{ ok: boolean; detail: string }>) => {
    const client = clients.get(chainId);
    if (!client) {
      return Promise.resolve({ check, subject, ok: false, detail: `not checked: no RPC url of chain ${names.get(chainId)} serves chain id ${chainId}` });
    }
    return attempt(check, subject, () => run(client));
  };

  const codeRows = [...contracts.values()].map((contract) =>
    onChain('has code', `${contract.name} ${contract.address}`, contract.chainId, async (client) => {
      const code = await client.getCode({ address: contract.address });
      if (code && code !== '0x') return { ok: true, detail: `${(code.length - 2) / 2} bytes` };
      return { ok: false, detail: `no code at this address on chain ${contract.chainId}: fix the address or the contract's chain` };
    }),
  );

  const targets = resolvePauseTargets(config, contracts);
  const guardianConfig = config.responders.guardian;
  const readinessRows: Promise<CheckRow[]>[] = [];
  if (targets.length > 0 && guardianConfig && params.account) {
    const account = params.account;
    let safeSigners: Map<string, LocalAccount[]>;
    try {
      safeSigners = loadSafeSigners({ safes: config.responders.safes, guardian: account, env: params.env });
    } catch {
      safeSigners = new Map(); // reported by the offline 'safe signer keys' row; Safe routes then fail their simulation
    }
    for (const chainId of new Set(targets.map((target) => target.chainId))) {
      const client = clients.get(chainId);
      if (!client) {
        const detail = `not checked: no RPC url of chain ${names.get(chainId)} serves chain id ${chainId}`;
        readinessRows.push(Promise.resolve([{ check: 'can pause', subject: `pause steps on chain ${chainId}`, ok: false, detail }]));
        continue;
      }
      const calls = createPauseCallBuilder({ client, chainId, sender: account.address, safeSigners });
      // The same checks the daemon runs every readiness.everyBlocks blocks.
      readinessRows.push(
        runReadinessChecks({ client, chainId, targets, guardian: account.address, guardianConfig, calls, safes: config.responders.safes, safeSigners }).then((results) =>
          results.map(({ check, subject, ok, detail }) => ({ check, subject, ok, detail })),
        ),
      );
    }
  }
  return [
    await redisRow,
    ...chainChecks.flatMap((entry) => entry.rows),
    ...(await Promise.all(codeRows)),
    ...(await Promise.all(readinessRows)).flat(),
  ];
}
