/**
 * `defineDetector`: the typed helper a custom detector module exports (`kind: custom` in the
 * config). The module gets the same BlockContext and DetectorState as the built-in kinds, plus its
 * `params` from the config, validated by the zod schema it declares. See detectors/custom-template.ts.
 *
 * @example
 * export default defineDetector({
 *   params: z.object({ maxLogs: z.number().int().positive() }),
 *   onBlock(ctx, _state, { params }) {
 *     return ctx.logs.length > params.maxLogs ? [{ key: 'busy', summary: `${ctx.logs.length} logs` }] : [];
 *   },
 * });
 */
import { parseAbiItem, type AbiEvent, type Hex } from 'viem';
import type { z } from 'zod';
import type { ResolvedContract } from '../src/config/contracts.js';
import type { BlockContext, BlockHeader, DetectorState, Finding, StateRead } from './types.js';

/** Marks what defineDetector returned, across module instances (a module loaded twice still counts). */
export const customDetectorBrand = Symbol.for('warden.customDetector');

/** What every hook receives besides the block: the detector's own config. */
export interface CustomDetectorSetup<Params> {
  /** The detector id from the config. */
  id: string;
  chainId: number;
  /** `params` from the config, parsed by the module's schema (as written when it declares none). */
  params: Params;
  /** The entry's `contracts`, by config name: address, parsed ABI, protocol. */
  contracts: Record<string, ResolvedContract>;
}

export interface CustomDetectorDefinition<Schema extends z.ZodType> {
  /** zod schema of `params`; checked when the config loads, errors named `detectors[i].params.<key>`. */
  params?: Schema;
  /**
   * Event signatures (`event Withdraw(address indexed user, uint256 amount)`) whose logs it needs:
   * lets the block processor skip blocks by their bloom and pass only those logs. Omitted: every log
   * of the entry's contracts.
   */
  events?: string[];
  /** View calls wanted at this block (batched with every detector's into one multicall); see `readCall`. */
  reads?(block: BlockHeader, setup: CustomDetectorSetup<z.output<Schema>>): StateRead[];
  /** Findings of this block. Must not call the RPC, use the clock or randomness; never throw on data. */
  onBlock(ctx: BlockContext, state: DetectorState, setup: CustomDetectorSetup<z.output<Schema>>): Finding[] | Promise<Finding[]>;
  /** Forget what dropped blocks contributed to the state (may run twice). */
  onReorg?(droppedHashes: Hex[], state: DetectorState, setup: CustomDetectorSetup<z.output<Schema>>): void | Promise<void>;
}

/** A defined custom detector, as the module exports it (default export, or `export const detector`). */
export type CustomDetectorModule<Schema extends z.ZodType = z.ZodType> = CustomDetectorDefinition<Schema> & {
  readonly [customDetectorBrand]: true;
  /** The parsed `events`. */
  readonly eventAbis: AbiEvent[];
};

/** Declares a custom detector. Throws at import when an event signature does not parse. */
export function defineDetector<Schema extends z.ZodType = z.ZodType<Record<string, unknown>>>(
  definition: CustomDetectorDefinition<Schema>,
): CustomDetectorModule<Schema> {
  const eventAbis = (definition.events ?? []).map((signature) => {
    const item = parseAbiItem(signature.startsWith('event ') ? signature : `event ${signature}`);
    if (item.type !== 'event') throw new Error(`defineDetector: ${JSON.stringify(signature)} is not an event signature`);
    return item as AbiEvent;
  });
  return { ...definition, eventAbis, [customDetectorBrand]: true };
}

/** Whether a module export is a defined detector. */
export function isCustomDetectorModule(value: unknown): value is CustomDetectorModule {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[customDetectorBrand] === true;
}

/**
 * A view call for `reads()`, keyed `contract.function(args)` unless a key is given: the result
 * arrives in `ctx.reads.get(key)` as `{ ok, value | error }`.
 */
export function readCall(contract: ResolvedContract, functionName: string, args: readonly unknown[] = [], key?: string): StateRead {
  return {
    key: key ?? `${contract.name}.${functionName}(${args.map(String).join(', ')})`,
    type: 'call',
    address: contract.address,
    abi: contract.abi,
    functionName,
    args,
  };
}
