/**
 * The drill's world in one place: the demo protocol deployed with the drill's dev accounts, and the
 * environment `config/drill.yaml` reads (DRILL_* addresses and urls, REDIS_URL, WARDEN_GUARDIAN_KEY).
 * Used by the drill itself and by the tests that run warden on the same world.
 */
import type { Address } from 'viem';
import { drillAccounts } from './accounts.js';
import { deployDemoProtocol, type DeployDemoProtocolReturnType } from './demo-protocol.js';

/** Deploys DEMO and the vault from dev account #0, PAUSER_ROLE to `guardianAddress` (default: the drill's guardian). */
export function deployDrillProtocol(params: { rpcUrl: string; guardianAddress?: Address }): Promise<DeployDemoProtocolReturnType> {
  return deployDemoProtocol({
    rpcUrl: params.rpcUrl,
    deployerKey: drillAccounts.deployer.key,
    guardianAddress: params.guardianAddress ?? drillAccounts.guardian.address,
    depositors: drillAccounts.depositors.map((depositor) => ({ key: depositor.key, amount: depositor.amount })),
  });
}

/**
 * The environment config/drill.yaml is interpolated from. The guardian key is the drill's (anvil dev
 * account #1) unless `base` already carries a WARDEN_GUARDIAN_KEY.
 */
export function drillEnv(params: {
  base?: NodeJS.ProcessEnv;
  rpcUrl: string;
  wsUrl: string;
  protocol: { token: Address; vault: Address };
  redisUrl: string;
}): NodeJS.ProcessEnv {
  return {
    ...params.base,
    DRILL_RPC_URL: params.rpcUrl,
    DRILL_WS_URL: params.wsUrl,
    DRILL_TOKEN_ADDRESS: params.protocol.token,
    DRILL_VAULT_ADDRESS: params.protocol.vault,
    REDIS_URL: params.redisUrl,
    WARDEN_GUARDIAN_KEY: params.base?.WARDEN_GUARDIAN_KEY ?? drillAccounts.guardian.key,
  };
}
