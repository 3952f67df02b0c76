import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BaseError,
  ContractFunctionRevertedError,
  encodeFunctionData,
  getAddress,
  toFunctionSelector,
  zeroAddress,
  zeroHash,
  type Abi,
  type AbiParameter,
  type Address,
  type Hex,
  type LocalAccount,
  type PublicClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { roleKeyFromConfig, rolesAbi, rolesConditionStatus } from '../../responders/safe/roles.js';
import { readSafeState } from '../../responders/safe/safe-tx.js';
import { ATTACKER, DEPLOYER, DEPOSITORS, GUARDIAN } from './accounts.js';
import { demoVaultAbi } from './abis.js';
import { compileContracts } from './compile.js';
import { deployDemoProtocol } from './demo-protocol.js';
import {
  allowRoleFunction,
  assignRoles,
  deployPauseRolesModule,
  enableRolesMember,
  grantPauseRole,
  pauseRolesModuleAbi,
  revokeRoleFunction,
} from './pause-roles-module.js';
import { startAnvil, type Anvil } from './processes.js';
import { createSafe, deploySafeSingletons, execAsOwners, safeAdminAbi, SafeDeployError, sendAndConfirm } from './safe-deploy.js';
import { createDrillClient } from './tx.js';

const deployer = privateKeyToAccount(DEPLOYER.key);
const member = privateKeyToAccount(GUARDIAN.key);
const outsider = privateKeyToAccount(ATTACKER.key);
const [alice, bob] = DEPOSITORS.slice(0, 2).map((account) => privateKeyToAccount(account.key)) as [LocalAccount, LocalAccount];
const roleKey = roleKeyFromConfig('PAUSER');
const pauseSelector = toFunctionSelector('pause()');
const pauseData = encodeFunctionData({ abi: demoVaultAbi, functionName: 'pause' });
const unpauseData = encodeFunctionData({ abi: demoVaultAbi, functionName: 'unpause' });

/** kind name(input types and names) mutability returns (output types). */
function describeItem(item: Abi[number]): string {
  const params = (list: readonly AbiParameter[] = []) => list.map((p) => `${p.type} ${p.name ?? ''}`.trim()).join(', ');
  if (item.type === 'function') return `function ${item.name}(${params(item.inputs)}) ${item.stateMutability} returns (${item.outputs.map((o) => o.type).join(', ')})`;
  if (item.type === 'error' || item.type === 'event') return `${item.type} ${item.name}(${params(item.inputs)})`;
  return item.type;
}

describe('Safe and PauseRolesModule set-up on anvil, with the demo vault', () => {
  let anvil: Anvil;
  let client: PublicClient;
  let vault: Address;
  let safe: Address;
  let module: Address;

  beforeAll(async () => {
    anvil = await startAnvil();
    client = createDrillClient({ rpcUrl: anvil.url });
    // No EOA guardian: only the Safe will hold PAUSER_ROLE.
    const demo = await deployDemoProtocol({ rpcUrl: anvil.url, deployerKey: DEPLOYER.key, guardianAddress: zeroAddress, depositors: [] });
    vault = demo.vault;
    const singletons = await deploySafeSingletons({ client, deployer });
    safe = await createSafe({ client, deployer, singletons, owners: [alice.address, bob.address], threshold: 2 });
    const pauserRole = await client.readContract({ address: vault, abi: demoVaultAbi, functionName: 'PAUSER_ROLE' });
    await sendAndConfirm({ client, account: deployer, to: vault, data: encodeFunctionData({ abi: demoVaultAbi, functionName: 'grantRole', args: [pauserRole, safe] }), label: 'grant PAUSER_ROLE to the Safe' });
    module = await deployPauseRolesModule({ client, safe, owner: deployer, safeOwners: [alice, bob] });
    await grantPauseRole({ client, module, owner: deployer, member: member.address, roleKey, target: vault, selector: pauseSelector });
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  const paused = () => client.readContract({ address: vault, abi: demoVaultAbi, functionName: 'paused' });
  const admin = () => ({ client, module, owner: deployer });
  const pauseFn = () => ({ roleKey, target: vault, selector: pauseSelector });

  /** Simulates execTransactionWithRole from `from` (decoding reverts with warden's rolesAbi); returns the error name and args, or 'ok'. */
  async function tryRoleCall(from: Address, call: { to?: Address; data?: Hex; value?: bigint; operation?: number; role?: Hex } = {}) {
    try {
      await client.simulateContract({
        account: from,
        address: module,
        abi: rolesAbi,
        functionName: 'execTransactionWithRole',
        args: [call.to ?? vault, call.value ?? 0n, call.data ?? pauseData, call.operation ?? 0, call.role ?? roleKey, true],
      });
      return 'ok';
    } catch (error) {
      const reverted = error instanceof BaseError ? error.walk((cause) => cause instanceof ContractFunctionRevertedError) : undefined;
      if (!(reverted instanceof ContractFunctionRevertedError) || !reverted.data) throw error;
      return { error: reverted.data.errorName, args: reverted.data.args ?? [] };
    }
  }

  async function pauseAs(account: LocalAccount) {
    const data = encodeFunctionData({ abi: rolesAbi, functionName: 'execTransactionWithRole', args: [vault, 0n, pauseData, 0, roleKey, true] });
    return sendAndConfirm({ client, account, to: module, data, label: 'pause through the module' });
  }
  async function unpauseAsAdmin() {
    await sendAndConfirm({ client, account: deployer, to: vault, data: unpauseData, label: 'unpause' });
  }

  it('has every typed ABI item in the compiled fixture', async () => {
    const compiled = new Set((await compileContracts()).PauseRolesModule.abi.map(describeItem));
    for (const item of pauseRolesModuleAbi) expect(compiled).toContain(describeItem(item));
    // warden's own Roles ABI (checked against the Zodiac package) fits the fixture too.
    for (const item of rolesAbi) expect(compiled).toContain(describeItem(item));
  });

  it('creates a 2-of-2 Safe with the module enabled, and the module acts for that Safe', async () => {
    const state = await readSafeState({ client, safe });
    expect(state.owners).toEqual([alice.address, bob.address].map((owner) => getAddress(owner)));
    expect(state.threshold).toBe(2);
    expect(state.modules).toEqual([module]);
    const read = (functionName: 'avatar' | 'target' | 'owner') => client.readContract({ address: module, abi: pauseRolesModuleAbi, functionName });
    expect([await read('avatar'), await read('target'), await read('owner')]).toEqual([safe, safe, getAddress(deployer.address)]);
    expect(await client.readContract({ address: module, abi: rolesAbi, functionName: 'isModuleEnabled', args: [member.address] })).toBe(true);
  });

  it('lets the role member pause the vault through the Safe, and nothing else', async () => {
    expect(await paused()).toBe(false);
    await pauseAs(member);
    expect(await paused()).toBe(true);

    const functionNotAllowed = { error: 'ConditionViolation', args: [rolesConditionStatus.FunctionNotAllowed, zeroHash] };
    expect(await tryRoleCall(member.address, { data: unpauseData })).toEqual(functionNotAllowed);
    const withdrawTo = encodeFunctionData({ abi: demoVaultAbi, functionName: 'withdrawTo', args: [alice.address, member.address, 1n] });
    expect(await tryRoleCall(member.address, { data: withdrawTo })).toEqual(functionNotAllowed);
    // pause() on another contract (the Safe itself) is not allowed either: the allowlist is per target.
    expect(await tryRoleCall(member.address, { to: safe })).toEqual(functionNotAllowed);
    expect(await tryRoleCall(member.address, { value: 1n })).toEqual({ error: 'ConditionViolation', args: [rolesConditionStatus.SendNotAllowed, zeroHash] });
    expect(await tryRoleCall(member.address, { operation: 1 })).toEqual({ error: 'ConditionViolation', args: [rolesConditionStatus.DelegateCallNotAllowed, zeroHash] });
    expect(await tryRoleCall(member.address, { data: '0x' })).toEqual({ error: 'FunctionSignatureTooShort', args: [] });
    // The member holds no other role.
    expect(await tryRoleCall(member.address, { role: roleKeyFromConfig('ADMIN') })).toEqual({ error: 'NoMembership', args: [] });
    await unpauseAsAdmin();
  });

  it('refuses a caller that is not an enabled module, then one enabled without the role', async () => {
    expect(await tryRoleCall(outsider.address)).toEqual({ error: 'NotAuthorized', args: [getAddress(outsider.address)] });
    await enableRolesMember({ ...admin(), member: outsider.address });
    expect(await tryRoleCall(outsider.address)).toEqual({ error: 'NoMembership', args: [] });
    expect(await paused()).toBe(false);
  });

  it('stops the member once the function is revoked, and again once the role is taken away', async () => {
    expect(await tryRoleCall(member.address)).toBe('ok');
    await revokeRoleFunction({ ...admin(), ...pauseFn() });
    expect(await tryRoleCall(member.address)).toEqual({ error: 'ConditionViolation', args: [rolesConditionStatus.FunctionNotAllowed, zeroHash] });
    await allowRoleFunction({ ...admin(), ...pauseFn() });
    expect(await tryRoleCall(member.address)).toBe('ok');
    await assignRoles({ ...admin(), member: member.address, roleKeys: [roleKey], memberOf: [false] });
    expect(await tryRoleCall(member.address)).toEqual({ error: 'NoMembership', args: [] });
    await assignRoles({ ...admin(), member: member.address, roleKeys: [roleKey], memberOf: [true] });
    expect(await tryRoleCall(member.address)).toBe('ok');
  });

  it('reverts with ModuleTransactionFailed when the Safe itself may not pause', async () => {
    const pauserRole = await client.readContract({ address: vault, abi: demoVaultAbi, functionName: 'PAUSER_ROLE' });
    const roleChange = (functionName: 'revokeRole' | 'grantRole') =>
      sendAndConfirm({ client, account: deployer, to: vault, data: encodeFunctionData({ abi: demoVaultAbi, functionName, args: [pauserRole, safe] }), label: functionName });
    await roleChange('revokeRole');
    expect(await tryRoleCall(member.address)).toEqual({ error: 'ModuleTransactionFailed', args: [] });
    await roleChange('grantRole');
    expect(await tryRoleCall(member.address)).toBe('ok');
  });

  it('only the module owner changes its configuration', async () => {
    await expect(assignRoles({ client, module, owner: member, member: member.address, roleKeys: [roleKey], memberOf: [true] })).rejects.toThrow(
      /assign roles to .*would revert/,
    );
  });

  it('runs admin calls through the Safe with owner keys, and names the step that would revert', async () => {
    const fresh = await createSafe({ client, deployer, singletons: await deploySafeSingletons({ client, deployer }), owners: [alice.address, bob.address], threshold: 2 });
    const changeThreshold = (threshold: bigint) => encodeFunctionData({ abi: safeAdminAbi, functionName: 'changeThreshold', args: [threshold] });
    // Sent by a non-owner: both owners sign with ECDSA.
    const result = await execAsOwners({ client, safe: fresh, owners: [bob, alice], sender: deployer, data: changeThreshold(1n), label: 'lower the threshold' });
    expect(result.nonce).toBe(0n);
    expect(await readSafeState({ client, safe: fresh })).toMatchObject({ threshold: 1, nonce: 1n });
    await expect(execAsOwners({ client, safe: fresh, owners: [alice], data: changeThreshold(3n), label: 'impossible threshold' })).rejects.toThrow(SafeDeployError);
    await expect(execAsOwners({ client, safe: fresh, owners: [alice], data: changeThreshold(3n), label: 'impossible threshold' })).rejects.toThrow(
      /impossible threshold: would revert/,
    );
    await expect(createSafe({ client, deployer, singletons: await deploySafeSingletons({ client, deployer }), owners: [alice.address], threshold: 2 })).rejects.toThrow(
      /threshold 2 must be an integer between 1 and the number of owners \(1\)/,
    );
  });
});
