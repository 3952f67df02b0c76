/**
 * Signs pause transactions locally (no RPC). A prefetch can sign the pause it expects to send — same
 * nonce and fees — while the incident is being opened, so signing (~1 ms of CPU) leaves the path
 * between detection and broadcast. Presigned bytes are keyed by everything signed: a different nonce
 * or fee simply signs anew (so does a failed presign), and only the newest expectation per target is kept.
 */
import { keccak256, type Hex, type LocalAccount } from 'viem';
import type { Fees } from './pause-fees.js';
import type { ResolvedPauseTarget } from './pause-targets.js';

/** What a pause tx is made of: the configured target's address, calldata and gas limit. */
export type SignableTarget = Pick<ResolvedPauseTarget, 'id' | 'address' | 'calldata' | 'gasLimit'>;

export interface SignedPause {
  raw: Hex;
  hash: Hex;
}

export interface PauseSigner {
  sign(target: SignableTarget, nonce: number, fees: Fees): Promise<SignedPause>;
  /** Signs in the background what `sign` will probably be asked for next. */
  presign(target: SignableTarget, nonce: number, fees: Fees): void;
}

export function createPauseSigner(params: { account: LocalAccount; chainId: number }): PauseSigner {
  const presigned = new Map<string, Promise<SignedPause>>();
  const keyOf = (target: SignableTarget, nonce: number, fees: Fees) => `${target.id}|${nonce}|${fees.maxFeePerGas}|${fees.maxPriorityFeePerGas}`;

  async function signNow(target: SignableTarget, nonce: number, fees: Fees): Promise<SignedPause> {
    const raw = await params.account.signTransaction({
      type: 'eip1559',
      chainId: params.chainId,
      to: target.address,
      data: target.calldata,
      value: 0n,
      nonce,
      gas: target.gasLimit,
      ...fees,
    });
    return { raw, hash: keccak256(raw) };
  }

  return {
    sign(target, nonce, fees) {
      const key = keyOf(target, nonce, fees);
      const ready = presigned.get(key);
      presigned.delete(key);
      return ready ? ready.catch(() => signNow(target, nonce, fees)) : signNow(target, nonce, fees);
    },
    presign(target, nonce, fees) {
      // Only the newest expectation per target is worth keeping.
      for (const key of presigned.keys()) if (key.startsWith(`${target.id}|`)) presigned.delete(key);
      const signed = signNow(target, nonce, fees);
      signed.catch(() => {}); // a failed presign just means sign() signs anew
      presigned.set(keyOf(target, nonce, fees), signed);
    },
  };
}
