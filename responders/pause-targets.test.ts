import { describe, expect, it } from 'vitest';
import { getAddress, parseAbi, toFunctionSelector } from 'viem';
import type { ResolvedContract } from '../src/config/contracts.js';
import { ConfigError } from '../src/config/errors.js';
import type { PauseTargetConfig } from '../src/config/schema.js';
import { checkMatches, resolvePauseTargets } from './pause-targets.js';

const contracts = new Map<string, ResolvedContract>([
  ['vault', { name: 'vault', chainId: 1, address: '0x00000000000000000000000000000000000000aA', abi: parseAbi(['error Nope()']), protocol: 'demo' }],
]);
const base: PauseTargetConfig = {
  id: 'p', contract: 'vault', function: 'function setPaused(uint256 level, address who, bool on)', args: ['2', '0x00000000000000000000000000000000000000bb', true],
  check: { function: 'pausedLevel() view returns (uint256)', args: [], expect: '2' }, gasLimit: 100_000, via: { mode: 'eoa' },
};
const resolve = (pause: Partial<PauseTargetConfig>) => resolvePauseTargets({ responders: { pauses: [{ ...base, ...pause }] } }, contracts);

describe('resolvePauseTargets', () => {
  it('encodes the configured call and check once', () => {
    const [target] = resolve({});
    expect(target!.selector).toBe(toFunctionSelector('function setPaused(uint256,address,bool)'));
    expect(target!.args).toEqual([2n, getAddress('0x00000000000000000000000000000000000000bb'), true]);
    expect(target!.calldata.startsWith(target!.selector)).toBe(true);
    expect(target!.errorAbi.map((e) => (e as { name: string }).name)).toContain('Nope');
    expect(checkMatches(2n, target!.check.expect)).toBe(true);
    expect(checkMatches(1n, target!.check.expect)).toBe(false);
  });

  it('names the path of each mistake', () => {
    const cases: [Partial<PauseTargetConfig>, string][] = [
      [{ contract: 'vualt' }, 'responders.pauses[0].contract: unknown contract "vualt"; known: vault'],
      [{ function: 'pause(' }, 'responders.pauses[0].function: expected a function signature'],
      [{ args: ['2'] }, 'responders.pauses[0].args: setPaused takes 3 argument(s), got 1'],
      [{ args: ['two', '0x00000000000000000000000000000000000000bb', true] }, 'responders.pauses[0].args[0]: level (uint256): expected an integer, got "two"'],
      [{ check: { function: 'function paused()', args: [], expect: true } }, 'responders.pauses[0].check.function: the check must return exactly one value'],
    ];
    for (const [pause, message] of cases) {
      expect(() => resolve(pause)).toThrow(ConfigError);
      expect(() => resolve(pause)).toThrow(message);
    }
  });
});

describe('checkMatches', () => {
  it('compares booleans, numbers and addresses as configured', () => {
    expect(checkMatches(true, true)).toBe(true);
    expect(checkMatches(false, true)).toBe(false);
    expect(checkMatches(true, 'true')).toBe(true);
    expect(checkMatches('0x00000000000000000000000000000000000000bB', '0x00000000000000000000000000000000000000BB')).toBe(true);
    expect(checkMatches(5n, 'x')).toBe(false);
  });
});
