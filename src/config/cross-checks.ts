/**
 * Checks that span the config: unique ids, references between sections, parseable signatures.
 * They run on the validated config and report every problem at once.
 *
 * Detector-specific checks (the event exists in the ABI, the `where` expression) belong to
 * createDetectors in detectors/index.ts; here a detector's contract names only have to exist.
 */
import { parseAbiItem, type AbiFunction } from 'viem';
import type { Config } from './schema.js';
import type { ConfigPath, PathIssue } from './interpolate.js';
import { unknownName } from './suggest.js';
import { formatPath } from './errors.js';
import { checkPlanReferences } from './cross-checks-plan.js';

/** Every cross-reference problem in a validated config (empty when it is consistent). */
export function checkReferences({ config }: { config: Config }): PathIssue[] {
  const issues: PathIssue[] = [];
  const add = (path: ConfigPath, message: string) => issues.push({ path, message });

  requireUnique(config.chains.map((chain, index) => ({ value: chain.id, path: ['chains', index, 'id'] })), 'chain id', add);
  requireUnique(config.chains.map((chain, index) => ({ value: chain.name, path: ['chains', index, 'name'] })), 'chain name', add);
  requireUnique(config.contracts.map((contract, index) => ({ value: contract.name, path: ['contracts', index, 'name'] })), 'contract name', add);
  requireUnique(
    config.contracts.map((contract, index) => ({
      value: `${contract.chain}:${contract.address.toLowerCase()}`,
      display: `${contract.address} on chain ${contract.chain}`,
      path: ['contracts', index, 'address'],
    })),
    'contract address',
    add,
  );
  requireUnique(config.detectors.map((detector, index) => ({ value: detector.id, path: ['detectors', index, 'id'] })), 'detector id', add);
  requireUnique(config.responders.pauses.map((pause, index) => ({ value: pause.id, path: ['responders', 'pauses', index, 'id'] })), 'pause id', add);
  // `notify: <id>` names either kind, so one id space: a channel and a webhook may not share an id.
  requireUnique(
    [
      ...config.responders.channels.map((channel, index) => ({ value: channel.id, path: ['responders', 'channels', index, 'id'] })),
      ...config.responders.webhooks.map((hook, index) => ({ value: hook.id, path: ['responders', 'webhooks', index, 'id'] })),
    ],
    'channel or webhook id',
    add,
  );

  const chainIds = config.chains.map((chain) => chain.id);
  config.contracts.forEach((contract, index) => {
    if (!chainIds.includes(contract.chain)) add(['contracts', index, 'chain'], `no chain with id ${contract.chain} in chains (configured: ${chainIds.join(', ')})`);
  });

  const contractNames = config.contracts.map((contract) => contract.name);
  const chainOf = new Map(config.contracts.map((contract) => [contract.name, contract.chain]));
  const requireContract = (path: ConfigPath, name: string) => {
    if (!chainOf.has(name)) add(path, unknownName('contract', name, contractNames));
  };
  config.detectors.forEach((detector, index) => {
    const params: ConfigPath = ['detectors', index, 'params'];
    if (detector.kind === 'balance-drop') {
      requireContract([...params, 'contract'], detector.params.contract);
      const token = detector.params.token;
      if (token !== undefined) {
        requireContract([...params, 'token'], token);
        const [tokenChain, contractChain] = [chainOf.get(token), chainOf.get(detector.params.contract)];
        if (tokenChain !== undefined && contractChain !== undefined && tokenChain !== contractChain) {
          add([...params, 'token'], `token "${token}" is on chain ${tokenChain} but contract "${detector.params.contract}" is on chain ${contractChain}`);
        }
      }
    } else if (detector.kind === 'custom') {
      detector.contracts.forEach((name, position) => requireContract(['detectors', index, 'contracts', position], name));
    } else if ('contracts' in detector.params) {
      detector.params.contracts.forEach((name, position) => requireContract([...params, 'contracts', position], name));
    }
  });

  const firstPauseStep = checkPlanReferences(config, add);

  config.responders.pauses.forEach((pause, index) => {
    const path: ConfigPath = ['responders', 'pauses', index];
    requireContract([...path, 'contract'], pause.contract);
    const action = parseFunction(pause.function);
    if (typeof action === 'string') add([...path, 'function'], action);
    else if (action.inputs.length !== pause.args.length) add([...path, 'args'], argumentCount(action, pause.args.length));
    const check = parseFunction(pause.check.function);
    if (typeof check === 'string') add([...path, 'check', 'function'], check);
    else if (check.outputs.length === 0) add([...path, 'check', 'function'], `${pause.check.function} returns nothing to compare with expect; e.g. "function paused() view returns (bool)"`);
    else if (check.inputs.length !== pause.check.args.length) add([...path, 'check', 'args'], argumentCount(check, pause.check.args.length));
  });
  checkSafeReferences(config, add);

  if (firstPauseStep !== undefined && config.responders.guardian === undefined) {
    add(['responders', 'guardian'], `required because ${formatPath(firstPauseStep)} pauses; set privateKeyEnv or privateKeyFile`);
  }
  return issues;
}

/** Safe ids are unique, pause routes name configured Safes on the pause target's chain, and a proposal has a service. */
function checkSafeReferences(config: Config, add: (path: ConfigPath, message: string) => void): void {
  const { safes, pauses } = config.responders;
  requireUnique(safes.map((safe, index) => ({ value: safe.id, path: ['responders', 'safes', index, 'id'] })), 'safe id', add);
  const safeIds = safes.map((safe) => safe.id);
  const chainOf = new Map(config.contracts.map((contract) => [contract.name, contract.chain]));
  pauses.forEach((pause, index) => {
    const via = pause.via;
    if (via.mode === 'eoa') return;
    const path: ConfigPath = ['responders', 'pauses', index, 'via', 'safe'];
    const safe = safes.find((candidate) => candidate.id === via.safe);
    if (!safe) return add(path, unknownName('safe', via.safe, safeIds, 'responders.safes'));
    const chain = chainOf.get(pause.contract);
    if (chain !== undefined && chain !== safe.chain) add(path, `safe "${safe.id}" is on chain ${safe.chain} but contract "${pause.contract}" is on chain ${chain}`);
    if (via.mode === 'safe-propose' && !safe.transactionService) {
      add(path, `mode safe-propose needs responders.safes[${safes.indexOf(safe)}].transactionService.url (where the co-signers see the proposal)`);
    }
  });
}

/** Reports every entry whose value an earlier entry already had; `display` replaces the quoted value. */
function requireUnique(entries: { value: string | number; display?: string; path: ConfigPath }[], what: string, add: (path: ConfigPath, message: string) => void): void {
  const first = new Map<string | number, ConfigPath>();
  for (const entry of entries) {
    const earlier = first.get(entry.value);
    if (earlier === undefined) first.set(entry.value, entry.path);
    else add(entry.path, `duplicate ${what} ${entry.display ?? JSON.stringify(entry.value)} (also at ${formatPath(earlier)})`);
  }
}

/** The function item of a human-readable signature, or a message saying what is wrong. */
function parseFunction(signature: string): AbiFunction | string {
  try {
    const item = parseAbiItem(signature);
    if (item.type === 'function') return item;
    return `expected a function signature like "function pause()", got a ${item.type}`;
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    return `not a valid function signature (${reason}); expected e.g. "function pause()", got ${JSON.stringify(signature)}`;
  }
}

function argumentCount(item: AbiFunction, given: number): string {
  return `${item.name} takes ${item.inputs.length} argument${item.inputs.length === 1 ? '' : 's'}, got ${given}`;
}
