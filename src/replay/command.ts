/**
 * `warden replay` end to end: config (+ --set overrides) → the chain's detectors (optionally a
 * selection) → replayRange over the range → anomalies to stdout or a file, the per-detector summary
 * and the run's throughput. Errors a person can fix come out as ReplayCommandError.
 */
import { getAddress, type Address } from 'viem';
import { createDetectors } from '../../detectors/index.js';
import { loadGuardianAccount } from '../../responders/guardian-key.js';
import { createChainClients } from '../chain/clients.js';
import { ConfigError } from '../config/errors.js';
import type { LoadedConfig } from '../config/load.js';
import { describeError } from '../errors.js';
import { createLogger } from '../log.js';
import { LogRangeRefusedError } from './log-ranges.js';
import { createAnomalyWriter, formatDetectorTable, type AnomalyFormat } from './output.js';
import { loadConfigWithOverrides, OverrideError, parseOverride } from './overrides.js';
import { createProgressReporter } from './progress.js';
import { replayRange, ReplayError, type ReplayResult } from './replay.js';

export interface ReplayCommandOptions {
  config: string;
  chain: string;
  from: number;
  to: number | 'latest';
  detector: string[];
  set: string[];
  format: AnomalyFormat;
  out?: string;
  json?: boolean;
  progress: boolean;
}

/** A replay that cannot start or finish for a reason the user can fix. */
export class ReplayCommandError extends Error {
  override name = 'ReplayCommandError';
}

export async function runReplayCommand(options: ReplayCommandOptions): Promise<ReplayResult> {
  let overrides;
  let config;
  try {
    overrides = options.set.map(parseOverride);
    config = await loadConfigWithOverrides({ path: options.config, overrides });
  } catch (error) {
    if (error instanceof OverrideError) throw new ReplayCommandError(error.message);
    throw error;
  }
  const { loaded } = config;
  const chain = loaded.config.chains.find((c) => String(c.id) === options.chain || c.name === options.chain);
  if (!chain) {
    throw new ReplayCommandError(`--chain ${options.chain}: no such chain in ${options.config}; chains are: ${loaded.config.chains.map((c) => `${c.id} (${c.name})`).join(', ')}`);
  }
  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', destination: process.stderr });
  let detectors;
  try {
    detectors = createDetectors({ config: loaded.config, contracts: loaded.contracts, guardianAddresses: wardenAccounts(loaded), log, customModules: loaded.customDetectors });
  } catch (error) {
    throw error instanceof ConfigError ? config.annotate(new ConfigError(error.issues, options.config)) : error;
  }
  detectors = detectors.filter((d) => d.chainId === chain.id);
  if (options.detector.length > 0) {
    const known = new Map(detectors.map((d) => [d.id, d]));
    for (const id of options.detector) {
      if (known.has(id)) continue;
      const entry = loaded.config.detectors.find((d) => d.id === id);
      if (entry && !entry.enabled) throw new ReplayCommandError(`--detector ${id}: it is disabled in the config; add --set detectors.${id}.enabled=true to replay it`);
      throw new ReplayCommandError(`--detector ${id}: no enabled detector "${id}" on chain ${chain.id}; they are: ${[...known.keys()].join(', ') || '(none)'}`);
    }
    detectors = detectors.filter((d) => options.detector.includes(d.id));
  }
  if (detectors.length === 0) throw new ReplayCommandError(`no enabled detector on chain ${chain.id} (${chain.name}) in ${options.config}: nothing to replay`);

  const clients = createChainClients({ chain, retryCount: 0 });
  const head = await clients.http.getBlockNumber({ cacheTime: 0 }).then(Number, (error: unknown) => {
    throw new ReplayCommandError(`chain ${chain.id} (${chain.name}): cannot read the head block: ${describeError(error)}; check chains[].rpc.http`);
  });
  const to = options.to === 'latest' ? head : options.to;
  if (to > head) throw new ReplayCommandError(`--to ${to}: the chain's head is ${head}; replay up to it at most (--to latest)`);
  if (options.from > to) throw new ReplayCommandError(`--from ${options.from} is after --to ${to}`);

  const writer = await createAnomalyWriter({ format: options.format, out: options.out }).catch((error: unknown) => {
    throw new ReplayCommandError(`--out ${options.out}: cannot write it: ${describeError(error)}`);
  });
  const progress = options.progress ? createProgressReporter() : undefined;
  let result: ReplayResult;
  try {
    result = await replayRange({
      client: clients.http,
      chainId: chain.id,
      chainName: chain.name,
      contracts: [...loaded.contracts.values()].filter((c) => c.chainId === chain.id),
      detectors,
      from: options.from,
      to,
      log,
      onAnomalies: (anomalies) => writer.write(anomalies),
      onProgress: (p) => progress?.update(p),
      logWindows: { onRefused: (info) => log.debug(info, 'eth_getLogs window refused; splitting it') },
    });
  } catch (error) {
    if (error instanceof ReplayError || error instanceof LogRangeRefusedError) throw new ReplayCommandError(error.message);
    throw error;
  } finally {
    progress?.stop();
    await writer.close();
  }
  const summary = options.out ? process.stdout : process.stderr;
  summary.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatSummary(result, chain.name)}\n`);
  return result;
}

function formatSummary(result: ReplayResult, chainName: string): string {
  const seconds = result.elapsedMs / 1000;
  const rate = (n: number, ms: number) => Math.round(n / Math.max(ms / 1000, 1e-6));
  return [
    formatDetectorTable(
      result.detectors.map((d) => ({ id: d.id, kind: d.kind, totals: d.totals, firstHitBlock: d.firstHitBlock, lastHitBlock: d.lastHitBlock })),
      { hitBlocks: true },
    ),
    '',
    `replayed ${chainName} blocks ${result.from}..${result.to} (${result.blocks} blocks, ${result.evaluatedBlocks} evaluated) in ${seconds.toFixed(1)} s: ` +
      `${result.logs} logs (${result.decodedLogs} decoded), ${result.anomalies} anomalies`,
    `time: ${Math.round(result.processingMs)} ms ours (${rate(result.decodedLogs, result.processingMs)} logs/s), ${Math.round(result.rpcWaitMs)} ms waiting for the RPC` +
      `${result.logRefusals > 0 ? `; ${result.logRefusals} eth_getLogs windows refused and split` : ''}`,
  ].join('\n');
}

/**
 * warden's own accounts, which admin-change and call detectors never flag: the guardian (its address from
 * the config, else from its key when that is set here) and the Safes. Replay needs no key.
 */
function wardenAccounts(loaded: LoadedConfig): Address[] {
  const { guardian, safes } = loaded.config.responders;
  const accounts: Address[] = safes.map((safe) => getAddress(safe.address));
  if (guardian?.address) accounts.push(getAddress(guardian.address));
  else if (guardian) {
    try {
      accounts.push(loadGuardianAccount({ guardian, env: process.env }).address);
    } catch {
      // No key here: the guardian's own pauses may show up as admin changes in this replay.
    }
  }
  return accounts;
}
