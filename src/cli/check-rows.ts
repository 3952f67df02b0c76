/**
 * The rows of `warden check`. Offline: the config loads, detectors build, pause targets resolve and
 * the guardian key loads. Live: Redis answers, every RPC url (HTTP and WebSocket) answers with the configured chain id,
 * watched contracts have code, every pause step succeeds as an eth_call from the guardian (or the
 * target is already contained), and the guardian holds ETH for `minPauses` pauses at current fees.
 *
 * Guarantee: a row's detail is one line, names what is wrong and how to fix it, and never contains a
 * secret — urls appear only through `redactUrl`, viem errors only through their short message.
 */
import {
  BaseError,
  createPublicClient,
  decodeFunctionResult,
  formatEther,
  http,
  HttpRequestError,
  SocketClosedError,
  TimeoutError,
  webSocket,
  WebSocketRequestError,
  type Address,
  type PublicClient,
} from 'viem';
import { createDetectors } from '../../detectors/index.js';
import { loadGuardianAccount } from '../../responders/guardian-key.js';
import { pauseFees } from '../../responders/pause-fees.js';
import { checkMatches, resolvePauseTargets, type ResolvedPauseTarget } from '../../responders/pause-targets.js';
import { explainRevert } from '../../responders/revert-reason.js';
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
}

/**
 * Validates the config at `path` as `warden run` would load it.
 * @throws ConfigError (naming the file) when the config, a detector or a pause target is invalid.
 */
export async function configRows(params: { path: string; env?: NodeJS.ProcessEnv }): Promise<ConfigRowsReturnType> {
  const loaded = await loadConfig({ path: params.path, env: params.env });
  const { config, contracts } = loaded;
  const rows: CheckRow[] = [{ check: 'config', subject: params.path, ok: true, detail: 'valid' }];
  let guardian: Address | undefined;
  const guardianConfig = config.responders.guardian;
  if (guardianConfig) {
    const subject = guardianConfig.privateKeyEnv ? `$${guardianConfig.privateKeyEnv}` : (guardianConfig.privateKeyFile ?? '');
    try {
      guardian = loadGuardianAccount({ guardian: guardianConfig, env: params.env }).address;
      rows.push({ check: 'guardian key', subject, ok: true, detail: guardian });
    } catch (error) {
      // GuardianKeyError messages name the variable or file, never the key material.
      rows.push({ check: 'guardian key', subject, ok: false, detail: describeError(error) });
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
  collect(() => createDetectors({ config, contracts, guardianAddresses: guardian ? [guardian] : [] }));
  collect(() => resolvePauseTargets(config, contracts));
  if (issues.length > 0) throw new ConfigError(issues, params.path);
  return { rows, loaded, guardian };
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

/** The node could not be reached or did not answer in time (as opposed to the call reverting). */
function isTransportFailure(error: unknown): boolean {
  if (!(error instanceof BaseError)) return true;
  return Boolean(error.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError || e instanceof WebSocketRequestError || e instanceof SocketClosedError));
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

async function canPauseRow(client: PublicClient, target: ResolvedPauseTarget, guardian: Address): Promise<{ ok: boolean; detail: string }> {
  const call = `${target.function.name}() on ${target.contract}`;
  const blockNumber = await client.getBlockNumber();
  const code = await client.getCode({ address: target.address, blockNumber });
  if (!code || code === '0x') return { ok: false, detail: `no code at ${target.address}: ${call} would do nothing` };
  // Already contained: the pause would revert (e.g. EnforcedPause) and warden would send nothing.
  const { data } = await client.call({ to: target.address, data: target.check.calldata, blockNumber });
  const checkName = `${target.check.function.name}()`;
  if (!data || data === '0x') return { ok: false, detail: `${checkName} on ${target.contract} returns nothing: fix the check's signature` };
  const value = decodeFunctionResult({ abi: [target.check.function], functionName: target.check.function.name, data });
  if (checkMatches(value, target.check.expect)) {
    return { ok: true, detail: `already contained: ${checkName} returns ${String(target.check.expect)}; warden would send nothing` };
  }
  try {
    await client.call({ account: guardian, to: target.address, data: target.calldata, gas: target.gasLimit, blockNumber });
    return { ok: true, detail: `eth_call of ${call} from guardian ${guardian} succeeds` };
  } catch (error) {
    if (isTransportFailure(error)) throw error;
    // explainRevert replays at the block before the one it is given: the block we just called at.
    return { ok: false, detail: await explainRevert({ publicClient: client, target, guardian, blockNumber: blockNumber + 1n }) };
  }
}

/**
 * Connects to Redis and every chain of `loaded`, and returns one row per check. Checks run
 * concurrently; rows come back in a fixed order (redis, chain ids, contract code, pauses, funds).
 */
export async function liveRows(params: { loaded: LoadedConfig; guardian?: Address }): Promise<CheckRow[]> {
  const { loaded, guardian } = params;
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
  const pauseRows: Promise<CheckRow>[] = [];
  const fundRows: Promise<CheckRow>[] = [];
  if (targets.length > 0 && guardianConfig && guardian) {
    for (const target of targets) {
      pauseRows.push(onChain('can pause', `${target.id} (${target.contract}.${target.function.name})`, target.chainId, (client) => canPauseRow(client, target, guardian)));
    }
    for (const chainId of new Set(targets.map((target) => target.chainId))) {
      const gasLimit = targets.filter((target) => target.chainId === chainId).reduce((max, target) => (target.gasLimit > max ? target.gasLimit : max), 0n);
      fundRows.push(
        onChain('guardian funds', `${guardian} on chain ${chainId}`, chainId, async (client) => {
          const [balance, block] = await Promise.all([client.getBalance({ address: guardian }), client.getBlock()]);
          // Priced as the pauser prices a pause; `minPauses` leaves room for replacements and later incidents.
          const fees = pauseFees({ baseFee: block.baseFeePerGas ?? 0n, feeMultiplier: guardianConfig.feeMultiplier, priorityFee: guardianConfig.priorityFee });
          const need = gasLimit * fees.maxFeePerGas * BigInt(guardianConfig.minPauses);
          const have = `${formatEther(balance)} ETH; ${guardianConfig.minPauses} pauses at current fees need ${formatEther(need)} ETH`;
          return balance >= need ? { ok: true, detail: have } : { ok: false, detail: `${have}: send the guardian at least ${formatEther(need - balance)} ETH` };
        }),
      );
    }
  }
  return [
    await redisRow,
    ...chainChecks.flatMap((entry) => entry.rows),
    ...(await Promise.all(codeRows)),
    ...(await Promise.all(pauseRows)),
    ...(await Promise.all(fundRows)),
  ];
}
