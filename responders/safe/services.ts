/**
 * The Safe Transaction Service clients of the configured Safes that have one (mode safe-propose),
 * by Safe id. API keys come from the environment; urls and keys are registered as secrets.
 */
import type { SafeConfig } from '../../src/config/schema.js';
import { registerSecret, registerUrlSecrets } from '../../src/log.js';
import { createTransactionServiceClient, type TransactionServiceClient } from './transaction-service.js';

export function createSafeServices(params: { safes: readonly SafeConfig[]; env?: NodeJS.ProcessEnv }): Map<string, TransactionServiceClient> {
  const env = params.env ?? process.env;
  const services = new Map<string, TransactionServiceClient>();
  for (const safe of params.safes) {
    const service = safe.transactionService;
    if (!service) continue;
    const apiKey = service.apiKeyEnv ? env[service.apiKeyEnv] : undefined;
    if (service.apiKeyEnv && !apiKey) {
      throw new Error(`safe "${safe.id}": environment variable ${service.apiKeyEnv} (transactionService.apiKeyEnv) is not set`);
    }
    if (apiKey) registerSecret(apiKey);
    registerUrlSecrets(service.url);
    services.set(safe.id, createTransactionServiceClient({ url: service.url, timeoutMs: service.timeout * 1000, apiKey }));
  }
  return services;
}
