/**
 * The owner keys warden signs SafeTxs with, per Safe id: `responders.safes[].signers`, or the guardian
 * key alone when a Safe lists none (the common 1-of-N "pause Safe" whose owner is the guardian).
 * Keys are loaded like the guardian's (env or file, never inline) and registered as secrets.
 */
import type { LocalAccount } from 'viem';
import type { SafeConfig } from '../../src/config/schema.js';
import { loadGuardianAccount } from '../guardian-key.js';

export function loadSafeSigners(params: {
  safes: readonly SafeConfig[];
  guardian: LocalAccount | undefined;
  env?: NodeJS.ProcessEnv;
}): Map<string, LocalAccount[]> {
  const signers = new Map<string, LocalAccount[]>();
  params.safes.forEach((safe, index) => {
    const keys = safe.signers?.map((source, position) =>
      loadGuardianAccount({ guardian: source, env: params.env, label: { name: `signer key of safe "${safe.id}"`, path: `responders.safes[${index}].signers[${position}]` } }),
    );
    signers.set(safe.id, keys ?? (params.guardian ? [params.guardian] : []));
  });
  return signers;
}
