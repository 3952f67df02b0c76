/**
 * anvil's well-known dev accounts (mnemonic "test test test test test test test test test test test
 * junk"), and the role each plays in the drill. These keys are public; they hold value only on local
 * chains. Never put any other key in a file.
 */
import type { Address, Hex } from 'viem';

export interface DevAccount {
  /** Index in anvil's dev account list. */
  index: number;
  address: Address;
  /** The account's private key (public knowledge: anvil's dev mnemonic). */
  key: Hex;
}

/** anvil dev account #n. */
function dev(index: number, address: Address, key: Hex): DevAccount {
  return { index, address, key };
}

/** #0 — deploys the token and the vault, mints, holds DEFAULT_ADMIN_ROLE (may unpause). */
export const DEPLOYER = dev(0, '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
/** #1 — warden's guardian key: holds PAUSER_ROLE. */
export const GUARDIAN = dev(1, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
/** #2 — the attacker who drains the vault through `withdrawTo`. */
export const ATTACKER = dev(2, '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a');

/** #3..#8 — the vault's depositors (the victims). */
export const DEPOSITORS: readonly DevAccount[] = [
  dev(3, '0x90F79bf6EB2c4f870365E785982E1f101E93b906', '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6'),
  dev(4, '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65', '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a'),
  dev(5, '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc', '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba'),
  dev(6, '0x976EA74026E726554dB657fA54763abd0C3a0aa9', '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e'),
  dev(7, '0x14dC79964da2C08b23698B3D3cc7Ca32193d9955', '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356'),
  dev(8, '0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f', '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97'),
];

/**
 * Default seed deposits, in whole DEMO (18 decimals), one per depositor: uneven, 1,000,000 DEMO in all.
 * The largest is well above 10% of the total, so every drain step can take a full slice from one victim.
 */
export const DEFAULT_DEPOSITS_DEMO: readonly bigint[] = [320_000n, 245_000n, 180_000n, 125_000n, 82_500n, 47_500n];

/** Where a fresh anvil puts the deployer's first two contracts (nonces 0 and 1): the token, then the vault. */
export const FRESH_ANVIL_TOKEN_ADDRESS: Address = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
export const FRESH_ANVIL_VAULT_ADDRESS: Address = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512';

export interface DrillDepositor extends DevAccount {
  /** Seed deposit, raw units (18 decimals). */
  amount: bigint;
}

/** Every role of the drill in one object: deployer/admin #0, guardian #1, attacker #2, depositors #3..#8 with their seed deposits. */
export const drillAccounts: {
  deployer: DevAccount;
  guardian: DevAccount;
  attacker: DevAccount;
  depositors: readonly DrillDepositor[];
} = {
  deployer: DEPLOYER,
  guardian: GUARDIAN,
  attacker: ATTACKER,
  depositors: DEPOSITORS.map((account, i) => ({ ...account, amount: DEFAULT_DEPOSITS_DEMO[i]! * 10n ** 18n })),
};
