/**
 * What `warden recover` needs around prepare.ts: the config, the incident store, a client of the
 * incident's chain, and whatever Safe keys and Transaction Services are available on this machine.
 * Missing keys are not an error here: the step then says to create the transaction in the Safe app.
 */
import { createPublicClient, http, type LocalAccount } from 'viem';
import { loadGuardianAccount } from '../../responders/guardian-key.js';
import { resolvePauseTargets } from '../../responders/pause-targets.js';
import { createSafeServices } from '../../responders/safe/services.js';
import { loadSafeSigners } from '../../responders/safe/signers.js';
import type { TransactionServiceClient } from '../../responders/safe/transaction-service.js';
import { loadConfig } from '../config/load.js';
import { createIncidentStore } from '../incidents/store.js';
import { timelineEntry } from '../incidents/types.js';
import { connectRedis } from '../redis.js';
import { prepareRecovery, recoveryTargets, type RecoveryStep } from './prepare.js';

/** The incident or its chain cannot be found with this config: a user error, shown as one line. */
export class RecoveryError extends Error {
  override name = 'RecoveryError';
}

export interface RecoverySession {
  prepare(options: { propose: boolean }): Promise<RecoveryStep[]>;
  /** Records `recovery-prepared` for each ready step (once per SafeTx or call). */
  record(steps: RecoveryStep[], by: string | undefined): Promise<void>;
  close(): Promise<void>;
}

export async function openRecovery(params: { configPath: string; incidentId: string; env?: NodeJS.ProcessEnv }): Promise<RecoverySession> {
  const env = params.env ?? process.env;
  const { config, contracts } = await loadConfig({ path: params.configPath, env });
  const redis = await connectRedis(config.redis.url);
  try {
    const store = createIncidentStore({ redis, keyPrefix: config.redis.keyPrefix });
    const incident = await store.get(params.incidentId);
    if (!incident) throw new RecoveryError(`no incident ${params.incidentId} under key prefix "${config.redis.keyPrefix}": list them with \`warden incidents list --config ${params.configPath}\``);
    const chain = config.chains.find((candidate) => candidate.id === incident.chainId);
    if (!chain) throw new RecoveryError(`incident ${incident.id} is on chain ${incident.chainId}, which ${params.configPath} does not configure`);
    const client = createPublicClient({ transport: http(chain.rpc.http[0], { timeout: chain.rpcTimeout * 1000 }) });
    const targets = recoveryTargets(incident, resolvePauseTargets(config, contracts));
    const signers = optional(() => {
      const guardian: LocalAccount | undefined = config.responders.guardian ? optional(() => loadGuardianAccount({ guardian: config.responders.guardian!, env })) : undefined;
      return loadSafeSigners({ safes: config.responders.safes, guardian, env });
    }) ?? new Map<string, LocalAccount[]>();
    const services = optional(() => createSafeServices({ safes: config.responders.safes, env })) ?? new Map<string, TransactionServiceClient>();
    return {
      prepare: ({ propose }) =>
        prepareRecovery({ client, chainId: chain.id, targets, safes: config.responders.safes, signers, services, propose, origin: `warden recover ${incident.id}` }),
      async record(steps, by) {
        for (const step of steps.filter((candidate) => candidate.state === 'ready')) {
          const data = { targetId: step.targetId, contract: step.contract, to: step.call!.to, data: step.call!.data, function: step.call!.function, ...(step.safeTx ?? {}), ...(by ? { by } : {}) };
          await store.append({ incidentId: incident.id, entry: timelineEntry('recovery-prepared', data), onceKey: `recovery-prepared:${step.safeTx?.safeTxHash ?? `${step.targetId}:${step.call!.data}`}` });
        }
      },
      close: async () => redis.disconnect(),
    };
  } catch (error) {
    redis.disconnect();
    throw error;
  }
}

/** The value, or undefined when building it throws (a key or API key this machine does not have). */
function optional<T>(build: () => T): T | undefined {
  try {
    return build();
  } catch {
    return undefined;
  }
}
