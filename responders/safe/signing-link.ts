/**
 * The Safe{Wallet} link people open to co-sign a proposed SafeTx:
 *   https://app.safe.global/transactions/tx?safe=<shortName>:<Safe>&id=multisig_<Safe>_<safeTxHash>
 * `shortName` is the chain's EIP-3770 short name as Safe{Wallet} uses it (`eth`, `matic`, `arb1`, …).
 *
 * @example
 * signingLink({ chainId: 1, safe, safeTxHash })
 * // "https://app.safe.global/transactions/tx?safe=eth:0xAb…&id=multisig_0xAb…_0x12…"
 */
import { getAddress, type Address, type Hex } from 'viem';

/** Safe{Wallet} chain prefixes (EIP-3770 short names) of the chains it supports most often. */
export const safeChainShortNames: Readonly<Record<number, string>> = {
  1: 'eth',
  10: 'oeth',
  56: 'bnb',
  100: 'gno',
  137: 'matic',
  324: 'zksync',
  1101: 'zkevm',
  8453: 'base',
  42161: 'arb1',
  42220: 'celo',
  43114: 'avax',
  59144: 'linea',
  84532: 'basesep',
  534352: 'scr',
  11155111: 'sep',
};

export interface SigningLinkParameters {
  /** Safe{Wallet} (or a self-hosted copy); default https://app.safe.global. */
  appUrl?: string;
  /** The chain's prefix in that app; default from {@link safeChainShortNames}. Needed for other chains. */
  chainShortName?: string;
  chainId: number;
  safe: Address;
  safeTxHash: Hex;
}

/**
 * The co-signing link, or undefined when the chain's short name is unknown (a local or uncommon chain
 * without `chainShortName`): then the incident and notifications carry the safeTxHash alone, and people
 * find the proposal in the Safe app's queue.
 * @throws Error when `safeTxHash` is not 32 bytes of hex, `chainShortName` is not a plain name, or `appUrl` is not an http(s) url.
 */
export function signingLink({ appUrl = 'https://app.safe.global', chainShortName, chainId, safe, safeTxHash }: SigningLinkParameters): string | undefined {
  if (!/^0x[0-9a-fA-F]{64}$/.test(safeTxHash)) throw new Error(`signingLink: safeTxHash must be 0x + 64 hex digits, got ${JSON.stringify(safeTxHash)}`);
  if (chainShortName !== undefined && !/^[a-z0-9][a-z0-9-]*$/i.test(chainShortName)) {
    throw new Error(`signingLink: chainShortName must be an EIP-3770 short name like "eth" or "arb1", got ${JSON.stringify(chainShortName)}`);
  }
  if (!/^https?:\/\/[^\s]+$/i.test(appUrl)) throw new Error(`signingLink: appUrl must be an http(s) url, got ${JSON.stringify(appUrl)}`);
  const shortName = chainShortName ?? safeChainShortNames[chainId];
  if (!shortName) return undefined;
  const address = getAddress(safe);
  // Built by hand: URLSearchParams would write ":" as %3A, which works but reads badly in a chat message.
  return `${appUrl.replace(/\/+$/, '')}/transactions/tx?safe=${shortName}:${address}&id=multisig_${address}_${safeTxHash.toLowerCase()}`;
}
