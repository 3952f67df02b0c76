/** What every channel factory takes, and the helpers they share. */
import type { ChannelConfig } from '../../src/config/schema-channels.js';
import type { DeliveryPolicy } from './delivery.js';
import type { ChannelSecrets, SecretName } from './secrets.js';

export interface CreateChannelParameters<C extends ChannelConfig = ChannelConfig> {
  /** The parsed config entry (defaults applied): `channelSchema.parse(...)`. */
  config: C;
  /** From `loadChannelSecrets(...).get(config.id)`. */
  secrets: ChannelSecrets;
  /** Tests and proxies; default global fetch. */
  fetch?: typeof fetch;
  /** Overrides the config's `timeout` / `retryFor` (and sets attempts and backoff). */
  policy?: DeliveryPolicy;
}

export function deliveryPolicy(config: { timeout: number; retryFor: number }, override: DeliveryPolicy = {}): DeliveryPolicy {
  return { attemptTimeoutMs: Math.round(config.timeout * 1000), totalTimeoutMs: Math.round(config.retryFor * 1000), ...override };
}

/** @throws Error naming the channel and the missing secret (never a value) */
export function requireSecret(params: { config: ChannelConfig; secrets: ChannelSecrets; name: SecretName }): string {
  const value = params.secrets[params.name];
  if (!value) throw new Error(`channel ${params.config.id} (${params.config.kind}): its ${params.name} is missing; resolve the channel's secrets with loadChannelSecrets first`);
  return value;
}

/** The label error lines start with. */
export function channelLabel(config: ChannelConfig): string {
  return `${config.kind} channel ${config.id}`;
}
