/**
 * The "real chain" of the fork drill tests: a local anvil with the demo protocol deployed (and, for
 * the Safe modes, a Safe holding PAUSER_ROLE), plus the user config a team would write for it —
 * its own addresses, its own Redis url, a guardian key variable that is NOT set, and the guardian's
 * address. Test support: nothing here runs in a drill.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFunctionData, toFunctionSelector, type Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { demoVaultAbi } from './abis.js';
import { drillAccounts } from './accounts.js';
import { deployDrillProtocol } from './drill-env.js';
import { startAnvil, type Anvil } from './processes.js';
import { roleKeyFromConfig } from '../../responders/safe/roles.js';
import { deployPauseRolesModule, grantPauseRole } from './pause-roles-module.js';
import { createSafe, deploySafeSingletons, sendAndConfirm } from './safe-deploy.js';
import { createDrillClient } from './tx.js';

export interface ForkWorld {
  chain: Anvil;
  token: Address;
  vault: Address;
  totalDeposits: bigint;
  /** Holds PAUSER_ROLE (eoa), owns the pause Safe, or holds the module role. */
  guardian: Address;
  /** Holds PAUSER_ROLE in the Safe modes. */
  safe?: Address;
  /** safe-module: the PauseRolesModule on the Safe; the guardian holds role `PAUSER` on it. */
  module?: Address;
  stop(): Promise<void>;
}

export interface ForkWorldSafe {
  /** Owners besides the guardian (safe-module: the Safe's only owners; the guardian is no owner). */
  otherOwners: Address[];
  threshold: number;
  /** Attach a PauseRolesModule and give the guardian a pause-only role on it. */
  module?: boolean;
}

/**
 * Starts the chain (automine: its block number moves only when something is sent to it) and deploys
 * the demo protocol. With `safe`, a Safe owned by the guardian and `safe.otherOwners` (threshold
 * `safe.threshold`) gets PAUSER_ROLE instead of the guardian.
 */
export async function startForkWorld(options: { safe?: ForkWorldSafe } = {}): Promise<ForkWorld> {
  const chain = await startAnvil();
  try {
    const guardian = drillAccounts.guardian.address;
    const protocol = await deployDrillProtocol({ rpcUrl: chain.url });
    let safe: Address | undefined;
    let module: Address | undefined;
    if (options.safe) {
      const client = createDrillClient({ rpcUrl: chain.url });
      const deployer = privateKeyToAccount(drillAccounts.deployer.key);
      const singletons = await deploySafeSingletons({ client, deployer });
      // With a module the deployer alone owns the Safe (it enables the module); the guardian only holds the role.
      const owners = options.safe.module ? [deployer.address] : [guardian, ...options.safe.otherOwners];
      safe = await createSafe({ client, deployer, singletons, owners, threshold: options.safe.module ? 1 : options.safe.threshold });
      if (options.safe.module) {
        module = await deployPauseRolesModule({ client, safe, owner: deployer, safeOwners: [deployer] });
        await grantPauseRole({ client, module, owner: deployer, member: guardian, roleKey: roleKeyFromConfig('PAUSER'), target: protocol.vault, selector: toFunctionSelector('function pause()') });
      }
      const pauserRole = await client.readContract({ address: protocol.vault, abi: demoVaultAbi, functionName: 'PAUSER_ROLE' });
      for (const [functionName, account] of [['grantRole', safe], ['revokeRole', guardian]] as const) {
        await sendAndConfirm({ client, account: deployer, to: protocol.vault, data: encodeFunctionData({ abi: demoVaultAbi, functionName, args: [pauserRole, account] }), label: `${functionName} PAUSER_ROLE` });
      }
    }
    return { chain, token: protocol.token, vault: protocol.vault, totalDeposits: protocol.totalDeposits, guardian, safe, module, stop: () => chain.stop() };
  } catch (error) {
    await chain.stop();
    throw error;
  }
}

/** The user's config for the world, written to a temp dir; `via` is the pause route (YAML flow mapping). */
export function writeUserConfig(world: ForkWorld, options: { keyEnv: string; via?: string; safes?: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'warden-fork-'));
  const path = join(dir, 'warden.yaml');
  writeFileSync(
    path,
    `chains:
  - id: 31337
    name: mainnet-like
    rpc: { http: ["${world.chain.url}"], ws: ["${world.chain.wsUrl}"] }
    blockTime: 12
contracts:
  - { name: token, chain: 31337, address: "${world.token}", protocol: demo, abi: ["event Transfer(address indexed from, address indexed to, uint256 value)", "function balanceOf(address) view returns (uint256)"] }
  - name: vault
    chain: 31337
    address: "${world.vault}"
    protocol: demo
    abi: ["event Withdraw(address indexed account, address indexed to, uint256 amount)", "function pause()", "function paused() view returns (bool)"]
detectors:
  - { id: vault-large-withdraw, kind: event, severity: critical, params: { contracts: [vault], event: Withdraw, where: "amount >= 50_000e18" } }
  - { id: vault-drain, kind: balance-drop, severity: critical, params: { contract: vault, token: token, dropPercent: 5, windowBlocks: 10 } }
  - { id: vault-admin, kind: admin-change, severity: high, params: { contracts: [vault] } }
redis: { url: "redis://127.0.0.1:1", keyPrefix: production }
http: { listen: "127.0.0.1:1" }
plan:
  rules:
    - { name: contain, match: { minSeverity: critical }, steps: [{ pause: vault-pause }, record] }
    - { name: record, match: { minSeverity: medium }, steps: [record] }
responders:
  guardian: { privateKeyEnv: ${options.keyEnv}, address: "${world.guardian}", feeMultiplier: 3 }
${options.safes ?? ''}
  pauses:
    - id: vault-pause
      contract: vault
      function: function pause()
      check: { function: "function paused() view returns (bool)", expect: true }
      via: ${options.via ?? '{ mode: eoa }'}
`,
  );
  return path;
}
