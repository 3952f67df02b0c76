/**
 * The drill's guardian set-ups (`warden drill --guardian MODE`): who holds the vault's PAUSER_ROLE and
 * how warden's guardian key reaches it, set up the way a real protocol would.
 *
 *   eoa           the guardian key itself holds PAUSER_ROLE.
 *   safe          a 1-of-1 "pause Safe" owned by the guardian key holds PAUSER_ROLE; warden sends
 *                 execTransaction.
 *   safe-module   the protocol's Safe (owned by the deployer; the guardian is NOT an owner) holds
 *                 PAUSER_ROLE; a PauseRolesModule on it lets the guardian, a role member, make the Safe
 *                 call vault.pause() and nothing else.
 *   safe-propose  a 2-of-2 Safe (guardian + a co-signer) holds PAUSER_ROLE; warden proposes the pause to
 *                 a Transaction Service (the local stand-in, in this process) and the drill's co-signer
 *                 signs and executes it (src/drill/cosigners.ts).
 */
import { toFunctionSelector, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { roleKeyFromConfig } from '../../responders/safe/roles.js';
import { readSafeState } from '../../responders/safe/safe-tx.js';
import { drillAccounts, type DevAccount } from './accounts.js';
import type { DeployDemoProtocolReturnType } from './demo-protocol.js';
import { deployDrillProtocol } from './drill-env.js';
import { deployPauseRolesModule, grantPauseRole } from './pause-roles-module.js';
import { createSafe, deploySafeSingletons } from './safe-deploy.js';
import type { GuardianMode } from './guardian-mode-names.js';
import { startSafeTxServiceStandIn, type SafeTxServiceStandIn } from './safe-tx-service.js';
import { createDrillClient } from './tx.js';

export { guardianModes, parseGuardianMode, type GuardianMode } from './guardian-mode-names.js';

/** anvil dev account #9: the other owner of the safe-propose drill's 2-of-2 Safe, played by the drill. */
export const COSIGNER: DevAccount = {
  index: 9,
  address: '0xa0Ee7A142d267C1f36714E4a8F75612F20a79720',
  key: '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
};

/** The role name the safe-module drill gives the guardian (encoded as bytes32 like the Roles SDK). */
export const drillRoleName = 'PAUSER';

/** How the drill's guardian was set up: what the config, the co-signers and the report need. */
export interface DrillGuardian {
  mode: GuardianMode;
  /** The EOA warden signs (and pays gas) with. */
  guardian: Address;
  /** Holds PAUSER_ROLE on the vault: the guardian itself (eoa) or the Safe. */
  pauser: Address;
  chainId: number;
  safe?: {
    address: Address;
    owners: Address[];
    threshold: number;
    /** The Safe's nonce once set up, before the attack. */
    nonceAtStart: number;
  };
  /** safe-module: the PauseRolesModule on the Safe and the role the guardian holds. */
  module?: { address: Address; roleName: string };
  /** safe-propose: the Transaction Service warden proposes to and the co-signers watch. */
  service?: SafeTxServiceStandIn;
  /** safe-propose: the owners the drill plays (their keys sign in the co-signers' loop). */
  cosigners?: DevAccount[];
}

export interface DeployDrillWorldParameters {
  rpcUrl: string;
  mode: GuardianMode;
  /** The address of the key warden runs with (WARDEN_GUARDIAN_KEY). */
  guardianAddress: Address;
}

export interface DeployDrillWorldReturnType {
  protocol: DeployDemoProtocolReturnType;
  guardian: DrillGuardian;
  /** Closes what the set-up started (the Transaction Service). Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Deploys the demo protocol with the guardian set-up of `mode`. For the Safe modes the Safe comes first
 * (the vault grants PAUSER_ROLE in its constructor), then the protocol, then the module and role.
 * Every transaction is sent by the deployer (#0), so it works under automine and interval mining.
 */
export async function deployDrillWorld(params: DeployDrillWorldParameters): Promise<DeployDrillWorldReturnType> {
  const { rpcUrl, mode, guardianAddress } = params;
  const client = createDrillClient({ rpcUrl });
  const chainId = await client.getChainId();
  if (mode === 'eoa') {
    const protocol = await deployDrillProtocol({ rpcUrl, guardianAddress });
    return { protocol, guardian: { mode, guardian: guardianAddress, pauser: guardianAddress, chainId }, close: async () => {} };
  }

  const deployer = privateKeyToAccount(drillAccounts.deployer.key);
  const owners: Address[] = {
    safe: [guardianAddress],
    'safe-module': [deployer.address],
    'safe-propose': [guardianAddress, COSIGNER.address],
  }[mode];
  const singletons = await deploySafeSingletons({ client, deployer });
  const safe = await createSafe({ client, deployer, singletons, owners, threshold: owners.length });
  const protocol = await deployDrillProtocol({ rpcUrl, guardianAddress: safe });

  let module: DrillGuardian['module'];
  if (mode === 'safe-module') {
    const address = await deployPauseRolesModule({ client, safe, owner: deployer, safeOwners: [deployer] });
    await grantPauseRole({
      client,
      module: address,
      owner: deployer,
      member: guardianAddress,
      roleKey: roleKeyFromConfig(drillRoleName),
      target: protocol.vault,
      selector: toFunctionSelector('function pause()'),
    });
    module = { address, roleName: drillRoleName };
  }
  const service = mode === 'safe-propose' ? await startSafeTxServiceStandIn({ chainId, owners, threshold: owners.length }) : undefined;
  const state = await readSafeState({ client, safe });
  let closed = false;
  return {
    protocol,
    guardian: {
      mode,
      guardian: guardianAddress,
      pauser: safe,
      chainId,
      safe: { address: safe, owners, threshold: owners.length, nonceAtStart: Number(state.nonce) },
      module,
      service,
      cosigners: mode === 'safe-propose' ? [COSIGNER] : undefined,
    },
    async close() {
      if (closed) return;
      closed = true;
      await service?.close();
    },
  };
}

/**
 * The guardian address of the key warden will run with: the key in `env.WARDEN_GUARDIAN_KEY` when it
 * is a valid private key (so a key you export gets the role), else the drill's guardian (#1).
 */
export function drillGuardianAddress(env: NodeJS.ProcessEnv): Address {
  const key = env.WARDEN_GUARDIAN_KEY?.trim();
  if (key && /^(0x)?[0-9a-fA-F]{64}$/.test(key)) return privateKeyToAccount((key.startsWith('0x') ? key : `0x${key}`) as Hex).address;
  return drillAccounts.guardian.address;
}
