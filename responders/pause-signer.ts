/**
 * Signs pause transactions locally (no RPC). A prefetch can sign the pause it expects to send — same
 * nonce and fees — while the incident is being opened, so signing (~1 ms of CPU) leaves the path
 * between detection and broadcast. Presigned bytes are keyed by everything signed: a different nonce
 * or fee simply signs anew (so does a failed presign), and only the newest expectation per target is kept.
 * An impersonated account (impersonation.ts) "signs" the same way, so its hash is known before the broadcast too.
 */
import type { Hex, LocalAccount } from 'viem';
import { signedTransactionHash } from './impersonation.js';
import type { Fees } from './pause-fees.js';
import type { PauseCall } from './pause-route.js';

/** What a pause tx is made of: the call the route builds (pause-route.ts), and the target id it is for. */
export type SignableCall = Pick<PauseCall, 'to' | 'data' | 'gas'> & { targetId: string };

export interface SignedPause {
  raw: Hex;
  hash: Hex;
}

export interface PauseSigner {
  sign(call: SignableCall, nonce: number, fees: Fees): Promise<SignedPause>;
  /** Signs in the background what `sign` will probably be asked for next. */
  presign(call: SignableCall, nonce: number, fees: Fees): void;
}

export function createPauseSigner(params: { account: LocalAccount; chainId: number }): PauseSigner {
  const presigned = new Map<string, Promise<SignedPause>>();
  const keyOf = (call: SignableCall, nonce: number, fees: Fees) =>
    `${call.targetId}|${nonce}|${fees.maxFeePerGas}|${fees.maxPriorityFeePerGas}|${call.to}|${call.gas}|${call.data}`;

  async function signNow(call: SignableCall, nonce: number, fees: Fees): Promise<SignedPause> {
    const raw = await params.account.signTransaction({
      type: 'eip1559',
      chainId: params.chainId,
      to: call.to,
      data: call.data,
      value: 0n,
      nonce,
      gas: call.gas,
      ...fees,
    });
    // An impersonated account (fork drills) signs nothing; anvil hashes its bytes its own way.
    return { raw, hash: signedTransactionHash({ account: params.account, raw }) };
  }

  return {
    sign(call, nonce, fees) {
      const key = keyOf(call, nonce, fees);
      const ready = presigned.get(key);
      presigned.delete(key);
      return ready ? ready.catch(() => signNow(call, nonce, fees)) : signNow(call, nonce, fees);
    },
    presign(call, nonce, fees) {
      // Only the newest expectation per target is worth keeping.
      for (const key of presigned.keys()) if (key.startsWith(`${call.targetId}|`)) presigned.delete(key);
      const signed = signNow(call, nonce, fees);
      signed.catch(() => {}); // a failed presign just means sign() signs anew
      presigned.set(keyOf(call, nonce, fees), signed);
    },
  };
}
