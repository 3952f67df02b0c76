/**
 * `event` detector: an event of given contracts, optionally filtered by a condition over its
 * arguments (`amount >= 50_000e18 and to != user`). One finding per matching log.
 *
 * The condition is compiled against the event's ABI inputs when the detector is built, so a typo
 * fails at config load with its column, never at 3 a.m. on a live block.
 */
import { decodeEventLog, toEventSelector, type AbiEvent, type Address, type Hex } from 'viem';
import type { Logger } from 'pino';
import type { ResolvedContract } from '../src/config/contracts.js';
import { ConfigError, type ConfigIssue } from '../src/config/errors.js';
import { ExpressionError, compileCondition, scopeFromAbiInputs, type CompiledCondition } from './expression/index.js';
import { formatArgument, shortHex } from './format.js';
import { jsonSafe, type BlockContext, type DecodedLog, type Detector, type Finding, type Severity } from './types.js';

export interface EventDetectorParameters {
  id: string;
  severity: Severity;
  chainId: number;
  /** The contracts whose logs are matched (all on `chainId`). */
  contracts: ResolvedContract[];
  /** Event name; it must exist in every contract's ABI (all overloads of that name are matched). */
  event: string;
  /** Condition over the event arguments; omitted: every such event matches. */
  where?: string;
  /** Receives condition evaluation errors (division by zero, overflow); such a log does not match. */
  log?: Logger;
}

interface Variant {
  event: AbiEvent;
  condition?: CompiledCondition;
}

/**
 * Builds the detector. Throws ConfigError with paths relative to the detector entry
 * (`params.event`, `params.where`), every problem at once.
 */
export function createEventDetector(params: EventDetectorParameters): Detector {
  const issues: ConfigIssue[] = [];
  // Keyed by topic0: overloads of the same name have different selectors and argument lists.
  const variants = new Map<Hex, Variant>();
  for (const contract of params.contracts) {
    const events = contract.abi.filter(
      (item): item is AbiEvent => item.type === 'event' && item.name === params.event && item.anonymous !== true,
    );
    if (events.length === 0) {
      issues.push({ path: 'params.event', message: missingEventMessage(params.event, contract) });
      continue;
    }
    for (const event of events) {
      const selector = toEventSelector(event);
      if (variants.has(selector)) continue;
      const variant: Variant = { event };
      if (params.where !== undefined) {
        try {
          variant.condition = compileCondition({ source: params.where, ...scopeFromAbiInputs({ inputs: event.inputs, scopeName: event.name }) });
        } catch (error) {
          // One where-issue is enough: other overloads usually fail the same way, and the fix is the same.
          if (!issues.some((issue) => issue.path === 'params.where')) {
            issues.push({ path: 'params.where', message: error instanceof ExpressionError ? error.message : String(error) });
          }
        }
      }
      variants.set(selector, variant);
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);

  const contractsByAddress = new Map(params.contracts.map((contract) => [contract.address.toLowerCase(), contract]));
  return {
    id: params.id,
    kind: 'event',
    severity: params.severity,
    chainId: params.chainId,
    watchedAddresses: params.contracts.map((contract) => contract.address),
    events: [...variants.values()].map((variant) => variant.event),
    onBlock(ctx: BlockContext): Finding[] {
      const findings: Finding[] = [];
      for (const log of ctx.logs) {
        const contract = contractsByAddress.get(log.address.toLowerCase());
        const variant = log.topics[0] ? variants.get(log.topics[0].toLowerCase() as Hex) : undefined;
        if (!contract || !variant) continue;
        const args = argumentsOf(log, variant.event);
        if (!args) continue;
        if (variant.condition) {
          const result = variant.condition.evaluate(args);
          if (!result.ok) {
            params.log?.warn(
              { detector: params.id, chain: ctx.chainId, block: ctx.block.number, tx: log.transactionHash, logIndex: log.logIndex, error: result.error },
              'event condition could not be evaluated; the log does not match',
            );
            continue;
          }
          if (!result.value) continue;
        }
        findings.push(findingFor(log, contract, variant.event, args));
      }
      return findings;
    },
  };
}

function missingEventMessage(event: string, contract: ResolvedContract): string {
  const names = [...new Set(contract.abi.filter((item) => item.type === 'event').map((item) => (item as AbiEvent).name))];
  const has = names.length > 0 ? `it has: ${names.join(', ')}` : 'it declares no events; add the event signature to its abi';
  return `no event "${event}" in the ABI of contract "${contract.name}"; ${has}`;
}

/** The follower's decoded args when it decoded this event; otherwise decode here (e.g. a JSON ABI without names). */
function argumentsOf(log: DecodedLog, event: AbiEvent): Record<string, unknown> | undefined {
  if (log.eventName === event.name && log.args && !Array.isArray(log.args)) return log.args;
  try {
    const decoded = decodeEventLog({ abi: [event], topics: log.topics as [Hex, ...Hex[]], data: log.data, strict: true });
    return Array.isArray(decoded.args) ? undefined : (decoded.args as Record<string, unknown>);
  } catch {
    return undefined; // a log with the selector but not this layout (e.g. different indexing): not ours
  }
}

function findingFor(log: DecodedLog, contract: ResolvedContract, event: AbiEvent, args: Record<string, unknown>): Finding {
  const addressArgs = event.inputs
    .filter((input) => input.type === 'address' && input.name && typeof args[input.name] === 'string')
    .map((input) => args[input.name!] as Address);
  const shown = event.inputs
    .filter((input) => input.name && input.name in args)
    .slice(0, 5)
    .map((input) => `${input.name}=${formatArgument(args[input.name!])}`);
  return {
    key: `${log.transactionHash}-${log.logIndex}`,
    summary: `${event.name} on ${contract.name}: ${shown.join(' ') || '(no arguments)'} (tx ${shortHex(log.transactionHash)})`,
    txHashes: [log.transactionHash],
    addresses: uniqueAddresses([contract.address, ...addressArgs]),
    evidence: {
      contract: contract.name,
      address: contract.address,
      event: event.name,
      logIndex: log.logIndex,
      args: jsonSafe(args),
    },
  };
}

export function uniqueAddresses(addresses: Address[]): Address[] {
  const seen = new Set<string>();
  return addresses.filter((address) => {
    const key = address.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
