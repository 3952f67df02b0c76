/**
 * Typed ABIs of the demo contracts, for reading and writing them with viem's full type inference.
 * The compiled ABI (compile.ts) stays the source of truth: abis.test.ts checks that every item here is in
 * it, so these cannot drift from the Solidity.
 */
import { parseAbi } from 'viem';

export const demoTokenAbi = parseAbi([
  'function name() view returns (string)',
  'function symbol() view returns (string)',
  'function decimals() view returns (uint8)',
  'function totalSupply() view returns (uint256)',
  'function balanceOf(address account) view returns (uint256)',
  'function allowance(address owner, address spender) view returns (uint256)',
  'function owner() view returns (address)',
  'function approve(address spender, uint256 value) returns (bool)',
  'function transfer(address to, uint256 value) returns (bool)',
  'function mint(address to, uint256 amount)',
  'event Transfer(address indexed from, address indexed to, uint256 value)',
  'event Approval(address indexed owner, address indexed spender, uint256 value)',
]);

export const demoVaultAbi = parseAbi([
  'function PAUSER_ROLE() view returns (bytes32)',
  'function DEFAULT_ADMIN_ROLE() view returns (bytes32)',
  'function asset() view returns (address)',
  'function depositOf(address account) view returns (uint256)',
  'function totalDeposits() view returns (uint256)',
  'function paused() view returns (bool)',
  'function hasRole(bytes32 role, address account) view returns (bool)',
  'function grantRole(bytes32 role, address account)',
  'function revokeRole(bytes32 role, address account)',
  'function deposit(uint256 amount)',
  'function withdraw(uint256 amount)',
  'function withdrawTo(address account, address to, uint256 amount)',
  'function pause()',
  'function unpause()',
  'event Deposit(address indexed account, uint256 amount)',
  'event Withdraw(address indexed account, address indexed to, uint256 amount)',
  'event Paused(address account)',
  'event Unpaused(address account)',
  'event RoleGranted(bytes32 indexed role, address indexed account, address indexed sender)',
  'event RoleRevoked(bytes32 indexed role, address indexed account, address indexed sender)',
  'error EnforcedPause()',
  'error ExpectedPause()',
  'error AccessControlUnauthorizedAccount(address account, bytes32 neededRole)',
  'error ZeroAmount()',
  'error InsufficientDeposit(address account, uint256 requested, uint256 available)',
]);
