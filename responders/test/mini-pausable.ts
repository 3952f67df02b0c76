/**
 * A tiny pausable contract for the responder tests, compiled with solc-js (no OpenZeppelin, so these
 * tests do not depend on the drill's fixtures). Its errors mirror OpenZeppelin's so revert
 * explanations are tested against the real shapes. The artifact is cached by source hash.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseAbi, type Abi, type Hex } from 'viem';

export const miniPausableSource = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract MiniPausable {
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    bool public paused;
    mapping(address => bool) public pausers;
    address public immutable admin;

    error AccessControlUnauthorizedAccount(address account, bytes32 neededRole);
    error EnforcedPause();
    event Paused(address account);

    constructor(address pauser) {
        admin = msg.sender;
        pausers[pauser] = true;
    }

    /** Grants or revokes the pauser role (the deployer only): readiness tests revoke and restore it. */
    function setPauser(address who, bool allowed) external {
        require(msg.sender == admin, "only admin");
        pausers[who] = allowed;
    }

    function pause() external {
        if (!pausers[msg.sender]) revert AccessControlUnauthorizedAccount(msg.sender, PAUSER_ROLE);
        if (paused) revert EnforcedPause();
        paused = true;
        emit Paused(msg.sender);
    }

    function unpause() external {
        if (!pausers[msg.sender]) revert AccessControlUnauthorizedAccount(msg.sender, PAUSER_ROLE);
        paused = false;
    }
}
`;

export const miniPausableAbi = parseAbi([
  'constructor(address pauser)',
  'function pause()',
  'function unpause()',
  'function setPauser(address who, bool allowed)',
  'function paused() view returns (bool)',
  'error AccessControlUnauthorizedAccount(address account, bytes32 neededRole)',
  'error EnforcedPause()',
  'event Paused(address account)',
]) as Abi;

/** Creation bytecode of MiniPausable (compiled once, then read from node_modules/.cache). */
export function miniPausableBytecode(): Hex {
  const digest = createHash('sha256').update(miniPausableSource).digest('hex').slice(0, 16);
  const dir = join(process.cwd(), 'node_modules', '.cache', 'warden-respond');
  const file = join(dir, `MiniPausable-${digest}.json`);
  if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { bytecode: Hex }).bytecode;
  const solc = createRequire(import.meta.url)('solc') as { compile(input: string): string };
  const output = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: 'Solidity',
        sources: { 'MiniPausable.sol': { content: miniPausableSource } },
        settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['evm.bytecode.object'] } } },
      }),
    ),
  ) as { errors?: { severity: string; formattedMessage: string }[]; contracts: Record<string, Record<string, { evm: { bytecode: { object: string } } }>> };
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const bytecode = `0x${output.contracts['MiniPausable.sol']!.MiniPausable!.evm.bytecode.object}` as Hex;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify({ bytecode }));
  return bytecode;
}
