/**
 * Deploys and configures the PauseRolesModule fixture (src/drill/contracts/PauseRolesModule.sol): a
 * stand-in for a Zodiac Roles v2 modifier attached to a Safe, which lets a role member make the Safe
 * call only the (target, selector) pairs its role allows. The drill and tests use it to give warden a
 * pause-only key (`safe-module` containment); warden itself talks to it through responders/safe/roles.ts.
 *
 * The module's owner here is an EOA (the drill's deployer), so admin calls are plain transactions; on a
 * real chain the owner of a Roles modifier is usually the Safe.
 */
import { encodeDeployData, encodeFunctionData, getAddress, parseAbi, type Address, type Hex, type LocalAccount, type PublicClient, type TransactionReceipt } from 'viem';
import { compileContracts } from './compile.js';
import { execAsOwners, safeAdminAbi, sendAllAndConfirm, sendAndConfirm } from './safe-deploy.js';

/** The fixture's ABI, typed (pause-roles-module.test.ts checks every item against the compiled contract). */
export const pauseRolesModuleAbi = parseAbi([
  'function execTransactionWithRole(address to, uint256 value, bytes data, uint8 operation, bytes32 roleKey, bool shouldRevert) returns (bool success)',
  'function enableModule(address module)',
  'function disableModule(address prevModule, address module)',
  'function isModuleEnabled(address _module) view returns (bool)',
  'function assignRoles(address module, bytes32[] roleKeys, bool[] memberOf)',
  'function allowFunction(bytes32 roleKey, address targetAddress, bytes4 selector, uint8 options)',
  'function revokeFunction(bytes32 roleKey, address targetAddress, bytes4 selector)',
  'function avatar() view returns (address)',
  'function target() view returns (address)',
  'function owner() view returns (address)',
  'error NotAuthorized(address sender)',
  'error NoMembership()',
  'error ConditionViolation(uint8 status, bytes32 info)',
  'error FunctionSignatureTooShort()',
  'error ModuleTransactionFailed()',
  'error ArraysDifferentLength()',
  'error InvalidModule(address module)',
  'error AlreadyEnabledModule(address module)',
  'error AlreadyDisabledModule(address module)',
  'error OwnableUnauthorizedAccount(address account)',
]);

export interface DeployPauseRolesModuleParameters {
  client: PublicClient;
  /** The Safe the module acts for (its avatar and target). */
  safe: Address;
  /** Deploys the module and owns it: may change members, roles and allowed functions. */
  owner: LocalAccount;
  /** Safe owner keys that meet the Safe's threshold; they enable the module on the Safe. */
  safeOwners: readonly LocalAccount[];
  pollingIntervalMs?: number;
}

/** Deploys a PauseRolesModule for `safe` (avatar = target = the Safe) and enables it on the Safe; returns its address. */
export async function deployPauseRolesModule(params: DeployPauseRolesModuleParameters): Promise<Address> {
  const { client, safe, owner, pollingIntervalMs } = params;
  const { PauseRolesModule } = await compileContracts();
  const receipt = await sendAndConfirm({
    client,
    account: owner,
    data: encodeDeployData({ abi: PauseRolesModule.abi, bytecode: PauseRolesModule.bytecode, args: [owner.address, safe, safe] }),
    label: 'deploy PauseRolesModule',
    pollingIntervalMs,
  });
  const module = getAddress(receipt.contractAddress!);
  await execAsOwners({
    client,
    safe,
    owners: params.safeOwners,
    data: encodeFunctionData({ abi: safeAdminAbi, functionName: 'enableModule', args: [module] }),
    label: 'enable PauseRolesModule on the Safe',
    pollingIntervalMs,
  });
  return module;
}

/** Who changes a module's configuration: its owner. */
export interface ModuleAdminParameters {
  client: PublicClient;
  module: Address;
  /** The module's owner. */
  owner: LocalAccount;
  pollingIntervalMs?: number;
}

/** A role allowed to call one function (`selector`, e.g. `toFunctionSelector('pause()')`) on `target`. */
export interface RoleFunction {
  roleKey: Hex;
  target: Address;
  selector: Hex;
}

const encode = {
  enableModule: (member: Address) => encodeFunctionData({ abi: pauseRolesModuleAbi, functionName: 'enableModule', args: [member] }),
  assignRoles: (member: Address, roleKeys: readonly Hex[], memberOf: readonly boolean[]) =>
    encodeFunctionData({ abi: pauseRolesModuleAbi, functionName: 'assignRoles', args: [member, roleKeys, memberOf] }),
  // ExecutionOptions.None: the fixture never allows value or delegatecall anyway.
  allowFunction: (fn: RoleFunction) =>
    encodeFunctionData({ abi: pauseRolesModuleAbi, functionName: 'allowFunction', args: [fn.roleKey, fn.target, fn.selector, 0] }),
  revokeFunction: (fn: RoleFunction) =>
    encodeFunctionData({ abi: pauseRolesModuleAbi, functionName: 'revokeFunction', args: [fn.roleKey, fn.target, fn.selector] }),
};

function sendAdmin(params: ModuleAdminParameters, data: Hex, label: string): Promise<TransactionReceipt> {
  return sendAndConfirm({ client: params.client, account: params.owner, to: params.module, data, label, pollingIntervalMs: params.pollingIntervalMs });
}

/** Enables `member` as a module of the PauseRolesModule (a caller must be enabled before any role counts). */
export function enableRolesMember(params: ModuleAdminParameters & { member: Address }): Promise<TransactionReceipt> {
  return sendAdmin(params, encode.enableModule(params.member), `enable member ${params.member}`);
}

/** Gives `member` (memberOf true) or takes from it (false) each role of `roleKeys`; enables the member if needed. */
export function assignRoles(
  params: ModuleAdminParameters & { member: Address; roleKeys: readonly Hex[]; memberOf: readonly boolean[] },
): Promise<TransactionReceipt> {
  return sendAdmin(params, encode.assignRoles(params.member, params.roleKeys, params.memberOf), `assign roles to ${params.member}`);
}

/** Allows `roleKey` to call `selector` on `target`. */
export function allowRoleFunction(params: ModuleAdminParameters & RoleFunction): Promise<TransactionReceipt> {
  return sendAdmin(params, encode.allowFunction(params), `allow ${params.selector} on ${params.target}`);
}

/** Takes back what {@link allowRoleFunction} allowed. */
export function revokeRoleFunction(params: ModuleAdminParameters & RoleFunction): Promise<TransactionReceipt> {
  return sendAdmin(params, encode.revokeFunction(params), `revoke ${params.selector} on ${params.target}`);
}

/**
 * Makes `member` a pause-only key in one step: gives it `roleKey` (enabling it as a module) and allows the
 * role to call `selector` on `target`. Both transactions are sent together and may share a block.
 */
export async function grantPauseRole(params: ModuleAdminParameters & RoleFunction & { member: Address }): Promise<void> {
  await sendAllAndConfirm({
    client: params.client,
    account: params.owner,
    txs: [
      { to: params.module, data: encode.assignRoles(params.member, [params.roleKey], [true]), label: `assign role to ${params.member}` },
      { to: params.module, data: encode.allowFunction(params), label: `allow ${params.selector} on ${params.target}` },
    ],
    pollingIntervalMs: params.pollingIntervalMs,
  });
}
