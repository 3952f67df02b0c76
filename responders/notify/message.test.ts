import { describe, expect, it } from 'vitest';
import type { Anomaly } from '../../detectors/types.js';
import type { IncidentSummary } from '../../src/incidents/types.js';
import { createChannel } from './index.js';
import { messageFromIncident } from './message.js';
import { channelSchema } from '../../src/config/schema-channels.js';

const incident: IncidentSummary = {
  id: 'inc_0m5abc12d3e4f5a6b7c8',
  status: 'open',
  severity: 'high',
  protocol: 'lendco',
  chainId: 1,
  contracts: ['pool'],
  anomalyIds: ['an_1'],
  triggerBlocks: [],
  createdAt: 1,
  updatedAt: 2,
};
const anomaly = {
  id: 'an_1',
  detectorId: 'pool-drain',
  kind: 'balance-drop',
  severity: 'high',
  chainId: 1,
  blockNumber: 100,
  blockHash: `0x${'ab'.repeat(32)}`,
  txHashes: [`0x${'1a'.repeat(32)}`],
  summary: 'drained',
  evidence: { drop: '90%' },
  addresses: [],
  observedAt: { wallMs: 1, monoNs: '1', runId: 'r' },
} as Anomaly;

describe('messageFromIncident', () => {
  it('maps the incident, anomaly and pause outcomes the runner has into a message', () => {
    const message = messageFromIncident({ event: 'incident.opened', incident, chainName: 'mainnet', explorerUrl: 'https://etherscan.io', anomaly, at: 5 });
    expect(message).toEqual({
      event: 'incident.opened',
      incidentId: incident.id,
      severity: 'high',
      protocol: 'lendco',
      chain: { id: 1, name: 'mainnet', explorerUrl: 'https://etherscan.io' },
      status: 'open',
      at: 5,
      detection: { detectorId: 'pool-drain', summary: 'drained', blockNumber: 100, blockHash: anomaly.blockHash, txHashes: anomaly.txHashes, addresses: [], evidence: { drop: '90%' } },
    });
    expect(messageFromIncident({ event: 'incident.acknowledged', incident, chainName: 'mainnet', actor: { name: 'alice' }, outcomes: [] })).toMatchObject({ actor: { name: 'alice' }, actions: [] });
  });
});

describe('createChannel', () => {
  it('refuses to build a channel whose secret was not loaded', () => {
    const config = channelSchema.parse({ id: 'pd', kind: 'pagerduty', routingKeyEnv: 'PD_KEY' });
    expect(() => createChannel({ config, secrets: {} })).toThrow('channel pd (pagerduty): its routingKey is missing; resolve the channel\'s secrets with loadChannelSecrets first');
  });
});
