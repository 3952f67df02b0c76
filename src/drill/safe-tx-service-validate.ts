/**
 * Request validation of the Safe Transaction Service's multisig-transaction POST, as the real service
 * (safe-transaction-service, Django REST framework) does it:
 *
 * 1. field by field (SafeMultisigTransactionSerializer): every error of every field, keys in camelCase,
 *    DRF's own messages ("This field is required.", "A valid integer is required.", ...);
 * 2. then the whole object, stopping at the first failure, as `nonFieldErrors`: operation CREATE,
 *    the recomputed SafeTx hash, a nonce already executed, sender and signers among the owners,
 *    the signature's signer equal to the sender.
 *
 * Both answer 422 with the errors as the body. What the real service reads on chain (owners, the
 * chain id of the EIP-712 domain) is given to the stand-in instead.
 */
import { getAddress, isAddress, recoverAddress, recoverMessageAddress, type Address, type Hex } from 'viem';
import { safeTxHash, type SafeTx } from '../../responders/safe/safe-tx.js';

export interface ProposalFields {
  to: Address;
  value: bigint;
  data: Hex | null;
  operation: number;
  gasToken: Address | null;
  safeTxGas: bigint;
  baseGas: bigint;
  gasPrice: bigint;
  refundReceiver: Address | null;
  nonce: bigint;
  contractTransactionHash: Hex;
  sender: Address;
  signature: Hex | null;
  origin: string | null;
}

export type FieldErrors = Record<string, string[]>;

type Check = (value: unknown) => { value: unknown } | { error: string };

const required = 'This field is required.';
const notNull = 'This field may not be null.';

function integer(value: unknown): { value: unknown } | { error: string } {
  if (typeof value === 'string' && value.length > 1000) return { error: 'String value too large.' };
  // DRF: int(str(value)) after dropping a trailing ".0…"; booleans and fractions are rejected.
  const text = typeof value === 'number' || typeof value === 'string' ? String(value).replace(/\.0*\s*$/, '').trim() : '';
  if (!/^[+-]?\d+$/.test(text)) return { error: 'A valid integer is required.' };
  const parsed = BigInt(text);
  return parsed < 0n ? { error: 'Ensure this value is greater than or equal to 0.' } : { value: parsed };
}

function address(options: { allowZero: boolean }): Check {
  return (value) => {
    if (typeof value !== 'string' || !isAddress(value, { strict: false })) return { error: `Address ${String(value)} is not valid` };
    if (getAddress(value) !== value) return { error: `Address ${value} is not checksumed` };
    if (!options.allowZero && BigInt(value) === 0n) return { error: '0x0 address is not allowed' };
    return { value };
  };
}

function hex(options: { minBytes?: number; exactBytes?: number; allowBlank?: boolean }): Check {
  return (value) => {
    if (typeof value !== 'string') return { error: `${String(value)} is not an hexadecimal value.` };
    const digits = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value;
    if (digits === '' && !options.allowBlank) return { error: 'This field may not be blank.' };
    if (!/^[0-9a-fA-F]*$/.test(digits) || digits.length % 2 === 1) return { error: `${value} is not an hexadecimal value.` };
    const bytes = digits.length / 2;
    const min = options.exactBytes ?? options.minBytes;
    if (min !== undefined && bytes < min) return { error: `Ensure this field has at least ${min} hexadecimal chars (not counting 0x).` };
    if (options.exactBytes !== undefined && bytes > options.exactBytes) {
      return { error: `Ensure this field has no more than ${options.exactBytes} hexadecimal chars (not counting 0x).` };
    }
    return { value: `0x${digits.toLowerCase()}` };
  };
}

function text(options: { maxLength: number }): Check {
  return (value) => {
    if (typeof value === 'boolean' || !['string', 'number'].includes(typeof value)) return { error: 'Not a valid string.' };
    const string = String(value);
    return string.length > options.maxLength ? { error: `Ensure this field has no more than ${options.maxLength} characters.` } : { value: string };
  };
}

function operation(value: unknown): { value: unknown } | { error: string } {
  const parsed = integer(value);
  if ('error' in parsed) return parsed;
  return (parsed.value as bigint) > 2n ? { error: 'Unknown operation' } : { value: Number(parsed.value) };
}

/** name → [check, required?, nullable?, default] */
const fields: Record<keyof ProposalFields, [Check, boolean, boolean, unknown?]> = {
  to: [address({ allowZero: true }), true, false],
  value: [integer, true, false],
  data: [hex({ allowBlank: true }), false, true, null],
  operation: [operation, true, false],
  gasToken: [address({ allowZero: true }), false, true, null],
  safeTxGas: [integer, true, false],
  baseGas: [integer, true, false],
  gasPrice: [integer, true, false],
  refundReceiver: [address({ allowZero: true }), false, true, null],
  nonce: [integer, true, false],
  contractTransactionHash: [hex({ exactBytes: 32 }), true, false],
  sender: [address({ allowZero: false }), true, false],
  signature: [hex({ minBytes: 65 }), false, true, null],
  origin: [text({ maxLength: 200 }), false, true, null],
};

/** Step 1: the fields. Returns the parsed proposal or every field's errors. */
export function validateFields(body: unknown): { fields: ProposalFields } | { errors: FieldErrors } {
  const input = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  if (!input) return { errors: { nonFieldErrors: [`Invalid data. Expected a dictionary, but got ${Array.isArray(body) ? 'list' : typeof body}.`] } };
  const errors: FieldErrors = {};
  const out: Record<string, unknown> = {};
  for (const [name, [check, isRequired, nullable, fallback]] of Object.entries(fields)) {
    const value = input[name];
    if (value === undefined) {
      if (isRequired) errors[name] = [required];
      else out[name] = fallback;
      continue;
    }
    if (value === null) {
      if (nullable) out[name] = null;
      else errors[name] = [notNull];
      continue;
    }
    const result = check(value);
    if ('error' in result) errors[name] = [result.error];
    else out[name] = result.value;
  }
  return Object.keys(errors).length > 0 ? { errors } : { fields: out as unknown as ProposalFields };
}

const zero: Address = '0x0000000000000000000000000000000000000000';

/** The SafeTx exactly as proposed (every field, not defaults: the hash and the signatures cover them all). */
export function safeTxOfProposal(f: ProposalFields): SafeTx {
  return {
    to: f.to,
    value: f.value,
    data: f.data ?? '0x',
    operation: f.operation as 0 | 1,
    safeTxGas: f.safeTxGas,
    baseGas: f.baseGas,
    gasPrice: f.gasPrice,
    gasToken: f.gasToken ?? zero,
    refundReceiver: f.refundReceiver ?? zero,
    nonce: f.nonce,
  };
}

/** The SafeTx hash the service recomputes (Safe ≥ 1.3 EIP-712 domain: chainId and the Safe). */
export function recomputeSafeTxHash(params: { chainId: number; safe: Address; fields: ProposalFields }): Hex {
  return safeTxHash({ chainId: params.chainId, safe: params.safe, tx: safeTxOfProposal(params.fields) });
}

export interface ParsedSignature {
  owner: Address;
  signature: Hex;
  signatureType: 'EOA' | 'ETH_SIGN' | 'APPROVED_HASH' | 'CONTRACT_SIGNATURE';
}

/**
 * Splits Safe signatures (65 bytes each) and finds each owner the way the Safe does: v 27/28 ECDSA over
 * the hash, v > 30 eth_sign (v − 4), v 1 a pre-approved hash and v 0 a contract signature (owner = r).
 * Contract signatures' dynamic parts are not parsed: warden never sends them.
 */
export async function parseSafeSignatures(signature: Hex, safeTxHash: Hex): Promise<ParsedSignature[]> {
  const digits = signature.slice(2);
  const parsed: ParsedSignature[] = [];
  for (let offset = 0; offset + 130 <= digits.length; offset += 130) {
    const chunk = digits.slice(offset, offset + 130);
    const v = parseInt(chunk.slice(128), 16);
    const r = `0x${chunk.slice(0, 64)}` as Hex;
    if (v === 0 || v === 1) {
      const owner = getAddress(`0x${r.slice(-40)}`);
      parsed.push({ owner, signature: `0x${chunk}`, signatureType: v === 0 ? 'CONTRACT_SIGNATURE' : 'APPROVED_HASH' });
      // The dynamic part of a contract signature follows the static parts; stop at the first one.
      if (v === 0) break;
      continue;
    }
    if (v > 30) {
      const adjusted = `0x${chunk.slice(0, 128)}${(v - 4).toString(16).padStart(2, '0')}` as Hex;
      parsed.push({ owner: await recoverMessageAddress({ message: { raw: safeTxHash }, signature: adjusted }), signature: `0x${chunk}`, signatureType: 'ETH_SIGN' });
    } else {
      parsed.push({ owner: await recoverAddress({ hash: safeTxHash, signature: `0x${chunk}` }), signature: `0x${chunk}`, signatureType: 'EOA' });
    }
  }
  return parsed;
}
