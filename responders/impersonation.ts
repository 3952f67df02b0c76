/**
 * Acting as an account without its key, on an anvil chain (fork drills): the account is impersonated
 * (`anvil_impersonateAccount`) and its transactions go out with `eth_sendTransaction`.
 *
 * The pauser's invariant — persist nonce, tx hash and signed bytes BEFORE the broadcast — holds, because
 * what anvil does with an impersonated sender is deterministic (checked with anvil 1.7.1, see
 * impersonation.test.ts):
 * - the transaction carries the signature r = 0, s = 0, yParity = 0 (`eth_getRawTransactionByHash`
 *   returns exactly viem's serialization with that signature);
 * - its hash is keccak256(rlp(those signed bytes) ‖ sender), not keccak256(signed bytes): the sender is
 *   mixed in because the zero signature recovers no one.
 * So an impersonated account "signs" by serializing with the zero signature, the hash is known before
 * anything is sent, and {@link broadcastImpersonated} sends the same fields with `eth_sendTransaction`
 * and fails loudly if anvil's hash is not the predicted one.
 *
 * @example
 * const guardian = impersonatedAccount({ address: config.responders.guardian.address });
 * createWarden({ loaded, log, accounts: { guardian, broadcast: broadcastImpersonated } });
 */
import {
  concat,
  keccak256,
  parseTransaction,
  serializeTransaction,
  toRlp,
  type Address,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type TransactionSerializable,
} from 'viem';
import { toAccount } from 'viem/accounts';
import { encodeSignatureForOwner } from './safe/safe-tx.js';

/** anvil's signature on a transaction from an impersonated account. */
const impersonationSignature = { r: '0x0', s: '0x0', yParity: 0 } as const;

/** Impersonated accounts made here; their signed bytes hash the anvil way. */
const impersonated = new WeakSet<object>();

/** An impersonated sender was asked for something only a key can do, or anvil did not do what we predicted. */
export class ImpersonationError extends Error {
  override name = 'ImpersonationError';
}

/**
 * A viem account for `address` that needs no key:
 * - `signTransaction` serializes with anvil's impersonation signature (only anvil, with the account
 *   impersonated, accepts what it returns — through {@link broadcastImpersonated});
 * - `signTypedData` of a Safe transaction returns the owner's pre-validated signature (r = owner, v = 1),
 *   which a Safe accepts when this owner sends `execTransaction` itself or approved the SafeTx hash on
 *   chain (`approveHash`); any other typed data, and `signMessage`, throw.
 */
export function impersonatedAccount(params: { address: Address }): LocalAccount {
  const account = toAccount({
    address: params.address,
    async signTransaction(transaction) {
      return serializeTransaction(transaction as TransactionSerializable, impersonationSignature);
    },
    async signTypedData(typedData) {
      if (typedData.primaryType === 'SafeTx') return encodeSignatureForOwner(params.address);
      throw new ImpersonationError(`impersonated account ${params.address} cannot sign ${String(typedData.primaryType)} typed data (no key)`);
    },
    async signMessage() {
      throw new ImpersonationError(`impersonated account ${params.address} cannot sign messages (no key)`);
    },
  });
  impersonated.add(account);
  return account;
}

export function isImpersonatedAccount(account: LocalAccount): boolean {
  return impersonated.has(account);
}

/** The hash anvil gives a transaction of `sender` sent while impersonated, from the bytes {@link impersonatedAccount} signed. */
export function impersonatedTxHash(params: { raw: Hex; sender: Address }): Hex {
  return keccak256(concat([toRlp(params.raw), params.sender]));
}

/** The hash of a signed transaction of `account`: keccak256 of the bytes, or anvil's hash when impersonated. */
export function signedTransactionHash(params: { account: LocalAccount; raw: Hex }): Hex {
  return isImpersonatedAccount(params.account) ? impersonatedTxHash({ raw: params.raw, sender: params.account.address }) : keccak256(params.raw);
}

function carriesImpersonationSignature(transaction: ReturnType<typeof parseTransaction>): boolean {
  return BigInt(transaction.r ?? 1) === 0n && BigInt(transaction.s ?? 1) === 0n;
}

/**
 * Broadcasts signed pause bytes of `from`: bytes signed by a key go out with eth_sendRawTransaction;
 * bytes of an impersonated account are sent field by field with eth_sendTransaction (the account must
 * be impersonated on the node). Errors are the node's, so the pauser tells "already known", "nonce too
 * low" and rejections apart as for a raw broadcast.
 * @throws ImpersonationError when anvil hashed the transaction differently from the prediction: the
 *   tx was sent, but the pauser recorded another hash and could not follow it.
 */
export async function broadcastImpersonated(params: { client: PublicClient; raw: Hex; from: Address }): Promise<void> {
  const { client, raw, from } = params;
  const tx = parseTransaction(raw);
  if (!carriesImpersonationSignature(tx)) {
    await client.request({ method: 'eth_sendRawTransaction', params: [raw] });
    return;
  }
  const hex = (value: bigint | number | undefined) => (value === undefined ? undefined : `0x${value.toString(16)}`);
  const hash = (await client.request({
    method: 'eth_sendTransaction',
    params: [
      {
        from,
        to: tx.to ?? undefined,
        data: tx.data,
        value: hex(tx.value ?? 0n),
        gas: hex(tx.gas),
        nonce: hex(tx.nonce),
        maxFeePerGas: hex(tx.maxFeePerGas),
        maxPriorityFeePerGas: hex(tx.maxPriorityFeePerGas),
      },
    ],
  } as never)) as Hex;
  const predicted = impersonatedTxHash({ raw, sender: from });
  if (hash.toLowerCase() !== predicted.toLowerCase()) {
    throw new ImpersonationError(
      `anvil gave the impersonated tx of ${from} the hash ${hash}, warden predicted ${predicted} and recorded that one: ` +
        'this anvil hashes impersonated transactions differently (warden was checked against anvil 1.7)',
    );
  }
}
