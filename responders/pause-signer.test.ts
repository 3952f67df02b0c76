import { keccak256, parseTransaction, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { GUARDIAN } from '../src/drill/accounts.js';
import { createPauseSigner, type SignableCall } from './pause-signer.js';

const target: SignableCall = {
  targetId: 'pause-vault',
  to: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
  data: '0x8456cb59' as Hex, // pause()
  gas: 200_000n,
};
const fees = { maxFeePerGas: 3_000_000_000n, maxPriorityFeePerGas: 2_000_000_000n };

describe('pause signer', () => {
  const signer = createPauseSigner({ account: privateKeyToAccount(GUARDIAN.key), chainId: 31337 });

  it('hands out a presigned pause only for exactly the nonce and fees it was signed with', async () => {
    signer.presign(target, 5, fees);
    const other = await signer.sign(target, 6, fees);
    expect(parseTransaction(other.raw)).toMatchObject({ nonce: 6, to: target.to.toLowerCase(), data: target.data, gas: 200_000n, ...fees });
    const bumped = { maxFeePerGas: fees.maxFeePerGas * 2n, maxPriorityFeePerGas: fees.maxPriorityFeePerGas };
    expect(parseTransaction((await signer.sign(target, 5, bumped)).raw)).toMatchObject({ nonce: 5, ...bumped });
  });

  it('signs what it was asked for, with the hash of the signed bytes', async () => {
    signer.presign(target, 7, fees);
    const signed = await signer.sign(target, 7, fees);
    expect(parseTransaction(signed.raw)).toMatchObject({ nonce: 7, chainId: 31337, ...fees });
    expect(signed.hash).toBe(keccak256(signed.raw));
  });
});
