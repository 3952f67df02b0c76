/** Notification messages for channel tests: an ordinary one and one full of hostile chain strings. */
import type { NotificationMessage } from '../../../responders/notify/types.js';

export const txHash: `0x${string}` = `0x${'1a'.repeat(32)}`;
export const pauseTxHash: `0x${string}` = `0x${'3c'.repeat(32)}`;
export const poolAddress: `0x${string}` = `0x${'2b'.repeat(20)}`;

export function sampleMessage(overrides: Partial<NotificationMessage> = {}): NotificationMessage {
  return {
    event: 'incident.contained',
    incidentId: 'inc_0m5abc12d3e4f5a6b7c8',
    severity: 'critical',
    protocol: 'lendco',
    chain: { id: 1, name: 'mainnet', explorerUrl: 'https://etherscan.io' },
    status: 'contained',
    at: Date.UTC(2025, 0, 2, 3, 4, 5),
    detection: {
      detectorId: 'pool-drain',
      summary: 'pool lost 40% of its USDC in one block',
      blockNumber: 19_000_000,
      blockHash: `0x${'ab'.repeat(32)}`,
      txHashes: [txHash],
      addresses: [poolAddress],
      evidence: { drop: '40%', token: 'USDC' },
    },
    actions: [{ status: 'paused', targetId: 'pool-pause', txHash: pauseTxHash, blockNumber: 19_000_001 }],
    ...overrides,
  };
}

/**
 * Everything an attacker could put in a token name, a revert string or a summary: broadcast and
 * user/role mentions of every chat, formatting, masked and raw links, HTML, an entity, a heading,
 * a quote on a new line and a right-to-left override.
 */
export const hostileText =
  '<!channel> <!here> @everyone @here <@U024BE7LH> <@&123456789012345678> <!subteam^S0123> *bold* _it_ ~strike~ `code` ' +
  '||spoiler|| [x](http://evil.example/phish) <http://evil.example|click here> https://evil.example/raw www.evil.example ' +
  '<script>alert(1)</script> <b>fake</b> &amp; # heading\n> quoted line\u202Eevil';

export function hostileMessage(overrides: Partial<NotificationMessage> = {}): NotificationMessage {
  const base = sampleMessage();
  return {
    ...base,
    event: 'incident.containment-failed',
    status: 'containment-failed',
    detection: {
      ...base.detection!,
      summary: hostileText,
      // Not a tx hash / address: must be shown as text, never linked.
      txHashes: [txHash, '0xdeadbeef/../../evil?x=<!channel>'],
      addresses: ['javascript:alert(1)'],
      evidence: { [`key ${hostileText}`]: hostileText },
    },
    actions: [{ status: 'failed', targetId: 'pool-pause', reason: `execution reverted: ${hostileText}` }],
    actor: { name: '@everyone <!channel>', note: hostileText },
    ...overrides,
  };
}
