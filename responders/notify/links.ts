/**
 * Block explorer links. Only values that match the strict shape of a tx hash, an address or a block
 * number ever enter a url: a hostile string cannot smuggle a path, a query or another host into a
 * link warden shows as its own.
 */

const txHashPattern = /^0x[0-9a-fA-F]{64}$/;
const addressPattern = /^0x[0-9a-fA-F]{40}$/;

export interface ExplorerLinks {
  tx(hash: string): string | undefined;
  address(address: string): string | undefined;
  block(blockNumber: number): string | undefined;
}

/**
 * Links under an explorer root such as https://etherscan.io or https://gnosisscan.io (Etherscan,
 * Blockscout and Routescan all use /tx/, /address/ and /block/). Without a root every link is undefined.
 * @example explorerLinks('https://etherscan.io').tx('0xab…') // 'https://etherscan.io/tx/0xab…'
 */
export function explorerLinks(explorerUrl: string | undefined): ExplorerLinks {
  const root = explorerRoot(explorerUrl);
  return {
    tx: (hash) => (root && txHashPattern.test(hash) ? `${root}/tx/${hash.toLowerCase()}` : undefined),
    address: (address) => (root && addressPattern.test(address) ? `${root}/address/${address}` : undefined),
    block: (blockNumber) => (root && Number.isSafeInteger(blockNumber) && blockNumber >= 0 ? `${root}/block/${blockNumber}` : undefined),
  };
}

/** The explorer root without a trailing slash, or undefined when it is not an http(s) url. */
function explorerRoot(explorerUrl: string | undefined): string | undefined {
  if (!explorerUrl) return undefined;
  try {
    const url = new URL(explorerUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return undefined;
  }
}

/** True for a link warden may show as clickable: http(s) only (a Safe signing url is config-derived). */
export function isSafeLink(url: string | undefined): url is string {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:';
  } catch {
    return false;
  }
}

/** `0x1234…abcd`: short enough for chat, long enough to recognise. */
export function shortHex(value: string): string {
  return /^0x[0-9a-fA-F]{16,}$/.test(value) ? `${value.slice(0, 10)}…${value.slice(-6)}` : value;
}
