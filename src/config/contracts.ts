/**
 * Contracts as the rest of warden uses them: a parsed ABI, a checksummed address, and the
 * protocol they belong to. Built once from the validated config.
 */
import { getAddress, parseAbi, type Abi, type Address } from 'viem';
import type { Config } from './schema.js';
import { firstLine } from '../errors.js';
import { ConfigError, type ConfigIssue } from './errors.js';

export interface ResolvedContract {
  name: string;
  chainId: number;
  address: Address;
  abi: Abi;
  /** Incidents are per protocol; defaults to the contract name. */
  protocol: string;
}

/** Parses human-readable or JSON ABIs; throws ConfigError naming `contracts[i].abi` on a bad signature. */
export function resolveContracts(config: Pick<Config, 'contracts'>): Map<string, ResolvedContract> {
  const issues: ConfigIssue[] = [];
  const resolved = new Map<string, ResolvedContract>();
  config.contracts.forEach((contract, index) => {
    let abi: Abi;
    try {
      abi = isHumanReadable(contract.abi) ? parseAbi(contract.abi) : (contract.abi as unknown as Abi);
    } catch (error) {
      issues.push({ path: `contracts[${index}].abi`, message: `not a valid ABI: ${firstLine(error)}` });
      return;
    }
    resolved.set(contract.name, {
      name: contract.name,
      chainId: contract.chain,
      address: getAddress(contract.address),
      abi,
      protocol: contract.protocol ?? contract.name,
    });
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return resolved;
}

function isHumanReadable(abi: readonly unknown[]): abi is string[] {
  return abi.every((entry) => typeof entry === 'string');
}

