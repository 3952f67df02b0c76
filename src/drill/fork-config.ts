/**
 * The user's own config, as a fork drill runs it: checked for what a fork drill needs, then pointed at
 * the fork. Only what must change for the drill changes —
 * - chains[0].rpc: the fork's http and ws urls (nothing reaches the real chain's endpoints);
 * - chains[0].blockTime: the fork's block time (the drill mines at its own pace);
 * - redis.url: a throwaway redis-server (never the daemon's Redis: its checkpoints and pause records
 *   describe the real chain);
 * - http.listen: a free port (a daemon of this config may be running beside the drill);
 * - a Safe's transactionService: the drill's local stand-in (a proposal must never reach the real service);
 * everything else (contracts, detectors, plan, pauses, fees) is used as written.
 */
import { createPublicClient, getAddress, http, type Address } from 'viem';
import { resolvePauseTargets, type ResolvedPauseTarget } from '../../responders/pause-targets.js';
import type { LoadedConfig } from '../config/load.js';
import type { ChainConfig } from '../config/schema.js';
import { describeError } from '../errors.js';
import { redactUrl } from '../log.js';

/** The config or the fork url cannot be rehearsed as given; the message names what to change. */
export class ForkDrillError extends Error {
  override name = 'ForkDrillError';
}

export interface ForkDrillPlan {
  /** The chain that is forked: the config's only chain. */
  chain: ChainConfig;
  /** The guardian's address (responders.guardian.address): the drill acts as it without its key. */
  guardian: Address;
  /** Every pause step of that chain. */
  targets: ResolvedPauseTarget[];
  /** The pause the report reads containment from (the first pause step). */
  primary: ResolvedPauseTarget;
}

/**
 * Checks that `loaded` can be rehearsed on a fork.
 * @throws ForkDrillError naming the config path to fix.
 */
export function planForkDrill(loaded: LoadedConfig): ForkDrillPlan {
  const { config, contracts } = loaded;
  const where = loaded.file ? ` in ${loaded.file}` : '';
  if (config.chains.length !== 1) {
    throw new ForkDrillError(
      `a fork drill forks one chain, and the config${where} lists ${config.chains.length} (${config.chains.map((chain) => chain.name).join(', ')}): ` +
        'run it with a config that keeps only the chain to rehearse (warden would otherwise follow, and act on, the others for real)',
    );
  }
  const chain = config.chains[0]!;
  const guardian = config.responders.guardian;
  if (!guardian) throw new ForkDrillError(`the config${where} has no responders.guardian: a fork drill rehearses a pause, so it needs one`);
  if (!guardian.address) {
    throw new ForkDrillError(
      `responders.guardian.address is not set${where}: a fork drill acts as the guardian without its key, so it needs the address (add address: "0x…" next to privateKeyEnv)`,
    );
  }
  const targets = resolvePauseTargets(config, contracts).filter((target) => target.chainId === chain.id);
  const primary = targets[0];
  if (!primary) throw new ForkDrillError(`the config${where} has no responders.pauses on chain ${chain.name}: a fork drill rehearses containment, so it needs a pause step`);
  if (primary.check.function.name !== 'paused' || primary.check.function.inputs.length > 0) {
    throw new ForkDrillError(
      `pause ${primary.id} is checked with ${primary.check.function.name}(): the drill report reads paused() on the paused contract, so fork drills need a check of paused()`,
    );
  }
  return { chain, guardian: getAddress(guardian.address), targets, primary };
}

export interface ForkConfigParameters {
  loaded: LoadedConfig;
  fork: { url: string; wsUrl: string };
  redisUrl: string;
  /** Seconds between the fork's blocks. */
  blockTime: number;
  /** Where Safes' proposals go during the drill (the local stand-in), for configs with a transactionService. */
  transactionServiceUrl?: string;
}

/** The loaded config pointed at the fork (see the file comment for exactly what changes). */
export function forkConfig(params: ForkConfigParameters): LoadedConfig {
  const { config } = params.loaded;
  const chain = config.chains[0]!;
  const safes = config.responders.safes.map((safe) => {
    if (!safe.transactionService) return safe;
    if (!params.transactionServiceUrl) throw new Error(`forkConfig: safe ${safe.id} proposes to a Transaction Service; pass the drill's stand-in url`);
    // No API key: the stand-in needs none, and the real one must not be named at all.
    return { ...safe, transactionService: { url: params.transactionServiceUrl, timeout: safe.transactionService.timeout } };
  });
  return {
    ...params.loaded,
    config: {
      ...config,
      chains: [{ ...chain, blockTime: params.blockTime, rpc: { http: [params.fork.url], ws: [params.fork.wsUrl] } }],
      redis: { ...config.redis, url: params.redisUrl },
      http: { ...config.http, listen: '127.0.0.1:0' },
      responders: { ...config.responders, safes },
    },
  };
}

/**
 * Asks the chain at `forkUrl` its id (one read) and checks it is the config's chain: the addresses in
 * the config mean nothing on another chain.
 * @throws ForkDrillError when it does not answer or answers with another id.
 */
export async function checkForkChainId(params: { forkUrl: string; chain: ChainConfig }): Promise<void> {
  const client = createPublicClient({ transport: http(params.forkUrl, { timeout: 15_000, retryCount: 1 }) });
  let id: number;
  try {
    id = await client.getChainId();
  } catch (error) {
    throw new ForkDrillError(`--fork-url ${redactUrl(params.forkUrl)} did not answer eth_chainId (${describeError(error)}): check the url`);
  }
  if (id !== params.chain.id) {
    throw new ForkDrillError(
      `--fork-url ${redactUrl(params.forkUrl)} is chain ${id}, but the config's chain ${params.chain.name} is ${params.chain.id}: fork the chain the config watches`,
    );
  }
}
