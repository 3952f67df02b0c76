/**
 * `call` detector: a top-level transaction to a watched contract that calls one of the listed functions
 * (`upgradeTo`, `setOracle`, `initialize`, ...) from a sender outside the allowlist. One finding per
 * transaction.
 *
 * It needs the block's transactions (`needsTransactions`): the block processor then fetches the full
 * block — one more call per block, made only on chains with such a detector. With `failed` set it
 * also needs receipts (one more `eth_getBlockReceipts` per block) to tell reverted calls from
 * successful ones; without it every matching call counts, whatever its outcome: an attempt is a signal too.
 *
 * Only top-level calls are seen: a call made through another contract (a multisig, a router, an
 * attacker's contract) is not a transaction to the watched contract. Pair it with `admin-change`
 * for the events such calls emit.
 */
import { decodeFunctionData, toFunctionSelector, type AbiFunction, type Address, type Hex } from 'viem';
import type { ResolvedContract } from '../src/config/contracts.js';
import { ConfigError, type ConfigIssue } from '../src/config/errors.js';
import { formatArgument, shortHex } from './format.js';
import { jsonSafe, type BlockContext, type BlockTransaction, type Detector, type Finding, type Severity } from './types.js';
import { uniqueAddresses } from './event.js';

export interface CallDetectorParameters {
  id: string;
  severity: Severity;
  chainId: number;
  /** The contracts whose incoming transactions are checked (all on `chainId`). */
  contracts: ResolvedContract[];
  /** Function names in the contracts' ABIs (all overloads), signatures `upgradeTo(address)`, or 4-byte selectors `0x3659cfe6`. */
  functions: string[];
  /** Senders whose calls are never flagged. */
  allow?: Address[];
  /** warden's own accounts (guardian, Safes): their calls (a pause) are never flagged. */
  guardianAddresses?: Address[];
  /** true: only reverted calls; false: only successful ones; undefined: any outcome (no receipts needed). */
  failed?: boolean;
}

interface Target {
  selector: Hex;
  /** Name for summaries: the ABI's name when known, else the selector. */
  name: string;
}

/** Builds the detector. Throws ConfigError (paths relative to the detector entry) naming every bad function entry. */
export function createCallDetector(params: CallDetectorParameters): Detector {
  const issues: ConfigIssue[] = [];
  const abiFunctions = params.contracts.flatMap((contract) =>
    contract.abi.filter((item): item is AbiFunction => item.type === 'function').map((fn) => ({ fn, selector: toFunctionSelector(fn).toLowerCase() as Hex })),
  );
  const targets = new Map<Hex, Target>();
  params.functions.forEach((entry, index) => {
    const path = `params.functions[${index}]`;
    const trimmed = entry.trim();
    if (/^0x[0-9a-fA-F]{8}$/.test(trimmed)) {
      const selector = trimmed.toLowerCase() as Hex;
      targets.set(selector, { selector, name: abiFunctions.find((f) => f.selector === selector)?.fn.name ?? selector });
    } else if (trimmed.includes('(')) {
      try {
        const selector = toFunctionSelector(trimmed.replace(/^function\s+/, '')).toLowerCase() as Hex;
        targets.set(selector, { selector, name: trimmed.replace(/^function\s+/, '').split('(')[0]!.trim() });
      } catch {
        issues.push({ path, message: `"${entry}" is not a function signature; write it like upgradeTo(address), or give the name or a 4-byte selector (0x3659cfe6)` });
      }
    } else {
      const found = abiFunctions.filter((f) => f.fn.name === trimmed);
      if (found.length === 0) {
        const names = [...new Set(abiFunctions.map((f) => f.fn.name))];
        const has = names.length > 0 ? `they have: ${names.join(', ')}` : 'they declare no functions';
        issues.push({
          path,
          message: `no function "${entry}" in the ABI of ${params.contracts.map((c) => `"${c.name}"`).join(', ')}; ${has} (or give a signature like ${entry}(address), or a 4-byte selector)`,
        });
      }
      for (const { selector } of found) targets.set(selector, { selector, name: trimmed });
    }
  });
  if (issues.length > 0) throw new ConfigError(issues);

  const contractsByAddress = new Map(params.contracts.map((contract) => [contract.address.toLowerCase(), contract]));
  const allowed = new Set([...(params.allow ?? []), ...(params.guardianAddresses ?? [])].map((a) => a.toLowerCase()));
  const wantStatus = params.failed === undefined ? undefined : params.failed ? 'reverted' : 'success';

  return {
    id: params.id,
    kind: 'call',
    severity: params.severity,
    chainId: params.chainId,
    // No logs: it looks at transactions only.
    watchedAddresses: [],
    needsTransactions: params.failed === undefined ? true : 'receipts',
    onBlock(ctx: BlockContext): Finding[] {
      const findings: Finding[] = [];
      for (const tx of ctx.transactions ?? []) {
        const contract = tx.to && contractsByAddress.get(tx.to.toLowerCase());
        if (!contract || tx.input.length < 10) continue;
        const target = targets.get(tx.input.slice(0, 10).toLowerCase() as Hex);
        if (!target || allowed.has(tx.from.toLowerCase())) continue;
        if (wantStatus && tx.status !== wantStatus) continue;
        findings.push(findingFor(tx, contract, target));
      }
      return findings;
    },
  };
}

function findingFor(tx: BlockTransaction, contract: ResolvedContract, target: Target): Finding {
  let args: readonly unknown[] | undefined;
  try {
    args = decodeFunctionData({ abi: contract.abi, data: tx.input }).args;
  } catch {
    args = undefined; // not in this contract's ABI (a selector from the list) or malformed: raw input stays in evidence
  }
  const shown = args ? `(${args.slice(0, 4).map(formatArgument).join(', ')}${args.length > 4 ? ', …' : ''})` : '';
  const outcome = tx.status === 'reverted' ? ' (reverted)' : '';
  return {
    key: tx.hash,
    summary: `${target.name}${shown} called on ${contract.name} by ${shortHex(tx.from)}, not an allowed sender${outcome} (tx ${shortHex(tx.hash)})`,
    txHashes: [tx.hash],
    addresses: uniqueAddresses([contract.address, tx.from]),
    evidence: {
      contract: contract.name,
      address: contract.address,
      function: target.name,
      selector: target.selector,
      from: tx.from,
      value: tx.value.toString(),
      ...(args ? { args: jsonSafe(args) } : { input: tx.input.length > 522 ? `${tx.input.slice(0, 522)}…` : tx.input }),
      ...(tx.status ? { status: tx.status } : {}),
    },
  };
}
