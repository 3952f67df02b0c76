/** The fast log decoder agrees with viem's decodeEventLog on every shape, good and malformed. */
import { describe, expect, it } from 'vitest';
import { decodeEventLog, encodeAbiParameters, encodeEventTopics, parseAbi, type Hex } from 'viem';
import { createLogDecoder } from './log-decoder.js';

const abi = parseAbi([
  'event Transfer(address indexed from, address indexed to, uint256 value)',
  'event Mixed(bool indexed flag, int256 indexed delta, bytes32 id, int256 change, bool ok, address who)',
  'event Dynamic(string indexed name, uint8 small, string text, uint256[] list)',
  'event Unnamed(address indexed, uint256)',
  'event Empty()',
]);

function viem(topics: Hex[], data: Hex) {
  try {
    const decoded = decodeEventLog({ abi, topics: topics as [Hex, ...Hex[]], data });
    return { eventName: decoded.eventName, args: decoded.args };
  } catch {
    return undefined;
  }
}

const cases: { name: string; topics: Hex[]; data: Hex }[] = [
  {
    name: 'Transfer',
    topics: encodeEventTopics({ abi, eventName: 'Transfer', args: { from: '0x1111111111111111111111111111111111111111', to: '0xabcdef0000000000000000000000000000000001' } }) as Hex[],
    data: encodeAbiParameters([{ type: 'uint256' }], [2n ** 255n + 7n]),
  },
  {
    name: 'Mixed',
    topics: encodeEventTopics({ abi, eventName: 'Mixed', args: { flag: true, delta: -5n } }) as Hex[],
    data: encodeAbiParameters([{ type: 'bytes32' }, { type: 'int256' }, { type: 'bool' }, { type: 'address' }], [`0x${'ab'.repeat(32)}`, -(2n ** 200n), false, '0x000000000000000000000000000000000000dead']),
  },
  {
    name: 'Dynamic',
    topics: encodeEventTopics({ abi, eventName: 'Dynamic', args: { name: 'warden' } }) as Hex[],
    data: encodeAbiParameters([{ type: 'uint8' }, { type: 'string' }, { type: 'uint256[]' }], [7, 'hello', [1n, 2n]]),
  },
  { name: 'Unnamed', topics: encodeEventTopics({ abi, eventName: 'Unnamed', args: ['0x1111111111111111111111111111111111111111'] }) as Hex[], data: encodeAbiParameters([{ type: 'uint256' }], [9n]) },
  { name: 'Empty', topics: encodeEventTopics({ abi, eventName: 'Empty' }) as Hex[], data: '0x' },
];

describe('createLogDecoder', () => {
  const decode = createLogDecoder(abi);
  for (const c of cases) {
    it(`decodes ${c.name} exactly as viem does`, () => {
      expect(decode(c.topics, c.data)).toEqual(viem(c.topics, c.data));
      expect(decode(c.topics, c.data)).toBeDefined();
    });
  }

  it('agrees with viem on malformed logs: short data, missing topics, a bad bool, an unknown selector', () => {
    const [transfer, mixed] = [cases[0]!, cases[1]!];
    const badBool = `0x${'0'.repeat(62)}02` as Hex;
    const malformed: [Hex[], Hex][] = [
      [transfer.topics, '0x'],
      [transfer.topics, '0x1234'],
      [transfer.topics.slice(0, 2), transfer.data],
      [[mixed.topics[0]!, badBool, mixed.topics[2]!], mixed.data],
      [[`0x${'12'.repeat(32)}`], '0x'],
    ];
    for (const [topics, data] of malformed) expect(decode(topics, data)).toEqual(viem(topics, data));
  });
});
