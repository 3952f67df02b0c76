/**
 * Networks → chains. OZ Monitor polls on a cron schedule and waits for confirmations; warden follows
 * every head and acts at once, so only the chain id, the rpc urls (as placeholders when they carry
 * credentials) and the block time carry over. One chain per chain id: networks sharing an id add
 * their urls as fallbacks.
 */
import type { OzNetwork, Sourced } from './input.js';
import { slugify, uniqueName, type ImportContext } from './draft.js';
import { describeUrl, envName, readSecret, urlCarriesCredentials } from './secrets.js';

/** What a monitor needs to know about a network slug before anything is written. */
export type NetworkInfo =
  | { usable: true; source: Sourced<OzNetwork>; chainId: number }
  | { usable: false; source: Sourced<OzNetwork>; reason: string };

/** Indexes networks by slug and says which ones warden can follow. */
export function indexNetworks(networks: Sourced<OzNetwork>[]): Map<string, NetworkInfo> {
  const index = new Map<string, NetworkInfo>();
  for (const source of networks) {
    const network = source.value;
    if (index.has(network.slug)) continue; // OZ Monitor requires unique slugs; the first file wins
    const http = network.rpc_urls.filter((rpc) => (rpc.type_ ?? 'rpc').toLowerCase() !== 'ws_rpc');
    let reason: string | undefined;
    if (network.network_type.toUpperCase() !== 'EVM') reason = `it is a ${network.network_type} network; warden watches EVM chains only`;
    else if (network.chain_id === undefined) reason = 'it has no chain_id';
    else if (http.length === 0) reason = 'it has no HTTP rpc url (type_ "rpc"); warden needs one';
    index.set(network.slug, reason ? { usable: false, source, reason } : { usable: true, source, chainId: network.chain_id! });
  }
  return index;
}

/**
 * Writes one chain per chain id that a converted contract uses, in order of first use, and reports
 * the networks left out.
 */
export function convertNetworks(params: { context: ImportContext; index: Map<string, NetworkInfo>; usedChainIds: number[] }): void {
  const { context, index } = params;
  const names = new Set<string>();
  for (const chainId of params.usedChainIds) {
    const sources = [...index.values()].filter((info) => info.usable && info.chainId === chainId).map((info) => info.source);
    const first = sources[0]!.value;
    const chainIndex = context.draft.chains.length;
    const http: string[] = [];
    const ws: string[] = [];
    for (const { file, value: network } of sources) {
      const ranked = [...network.rpc_urls].sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0));
      for (const rpc of ranked) {
        const isWs = (rpc.type_ ?? 'rpc').toLowerCase() === 'ws_rpc';
        const list = isWs ? ws : http;
        const url = rpcUrl({ context, file, slug: network.slug, secret: rpc.url, usedAt: `chains[${chainIndex}].rpc.${isWs ? 'ws' : 'http'}[${list.length}]`, isWs });
        if (url && !list.includes(url)) list.push(url);
      }
    }
    if (http.length === 0) {
      const holds = `an http rpc url for chain ${chainId} (none in ${sources.map((s) => s.file).join(', ')} could be used)`;
      http.push(context.env.placeholder({ name: envName(first.slug, 'RPC_URL'), holds, usedAt: `chains[${chainIndex}].rpc.http[0]` }));
    }
    const entry: Record<string, unknown> = { id: chainId, name: uniqueName(slugify(first.slug, 'chain'), names), rpc: ws.length > 0 ? { http, ws } : { http } };
    if (first.block_time_ms !== undefined) entry.blockTime = first.block_time_ms / 1000;
    const polling = [
      first.cron_schedule ? `polled on "${first.cron_schedule}"` : undefined,
      first.confirmation_blocks !== undefined ? `waited ${first.confirmation_blocks} confirmation block(s)` : undefined,
    ].filter(Boolean);
    context.draft.chains.push({
      value: entry,
      comment: [
        `${sources.map((s) => s.file).join(', ')}${first.name ? ` (${first.name})` : ''}.`,
        polling.length > 0 ? `OZ Monitor ${polling.join(' and ')}; warden follows every head and acts at once.` : undefined,
        http.length > 1 ? 'rpc urls are tried in order (highest OZ weight first), failing over on errors.' : undefined,
      ].filter(Boolean).join('\n'),
    });
  }
  for (const info of index.values()) {
    const subject = `network ${info.source.value.slug}`;
    if (!info.usable) context.report.notConverted.push({ file: info.source.file, subject, reason: info.reason });
    else if (!params.usedChainIds.includes(info.chainId)) {
      context.report.notConverted.push({ file: info.source.file, subject, reason: 'no converted monitor watches it, so warden need not follow it' });
    }
  }
  context.report.converted.chains = context.draft.chains.length;
}

/** The url to write, a placeholder for it, or undefined (reported) when it cannot be used. */
function rpcUrl(params: { context: ImportContext; file: string; slug: string; secret: Parameters<typeof readSecret>[0]; usedAt: string; isWs: boolean }): string | undefined {
  const { context, file, slug, usedAt } = params;
  const secret = readSecret(params.secret);
  const name = envName(slug, params.isWs ? 'WS_URL' : 'RPC_URL');
  switch (secret.kind) {
    case 'environment':
      return context.env.placeholder({ name: secret.variable, holds: `the rpc url OZ Monitor read from ${secret.variable}`, usedAt });
    case 'vault':
      return context.env.placeholder({ name, holds: `the rpc url OZ Monitor kept in HashiCorp Cloud Vault as "${secret.secretName}"`, usedAt });
    case 'unknown':
      context.report.notConverted.push({ file, path: 'rpc_urls', subject: `an rpc url of ${slug}`, reason: `unknown secret type "${secret.type}" (expected plain, environment or HashicorpCloudVault)` });
      return undefined;
    case 'plain': {
      const wanted = params.isWs ? /^wss?:\/\//i : /^https?:\/\//i;
      if (!wanted.test(secret.value)) {
        context.report.notConverted.push({ file, path: 'rpc_urls', subject: `rpc url ${describeUrl(secret.value)}`, reason: `expected an ${params.isWs ? 'ws:// or wss://' : 'http:// or https://'} url` });
        return undefined;
      }
      if (!urlCarriesCredentials(secret.value)) return secret.value.replaceAll('${', '$${');
      return context.env.placeholder({ name, holds: `the ${describeUrl(secret.value)} url with its credentials (inline in ${file}, not copied)`, usedAt });
    }
  }
}
