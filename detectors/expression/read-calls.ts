/**
 * Contract reads inside expressions: `vault.totalAssets()`, `token.balanceOf(pool)`,
 * `feed.latestRoundData().answer`, `pool.getReserves()[0]`. Checked once when the config loads
 * against the named contract's ABI — the contract exists, the function exists and is view/pure, the
 * argument count and types fit, the picked output is a number, address, bool or text — so at run
 * time a read can only fail on data (a revert), never on a typo.
 *
 * Arguments are fixed when the config loads (literals or contract names, which stand for their
 * address): every read of an expression is known in advance, so the block processor can batch
 * them all into its one multicall per block.
 */
import { getAddress, type Abi, type AbiFunction, type AbiParameter, type Address } from 'viem';
import { abiValueType } from './abi-scope.js';
import { ExpressionError, describeType, formatPath, type Node, type PathPart, type ReadCall, type TypedNode, type ValueType } from './ast.js';

/** A contract an expression may read, by its config name. */
export interface ReadableContract {
  address: Address;
  abi: Abi;
}

type ReadNode = Extract<Node, { type: 'read' }>;
type Literal = bigint | string | boolean;

/** Checks a `contract.function(args)` node. Throws ExpressionError naming what is wrong and what exists. */
export function checkRead(node: ReadNode, contracts: Record<string, ReadableContract> | undefined): TypedNode {
  const call = `${node.contract}.${node.functionName}()`;
  if (!contracts) throw new ExpressionError(node.column, `contract reads like ${call} are not available here (only in invariant and oracle-deviation expressions)`);
  const contract = contracts[node.contract];
  if (!contract) {
    const known = Object.keys(contracts);
    throw new ExpressionError(node.column, `unknown contract "${node.contract}"; ${known.length > 0 ? `contracts are: ${known.join(', ')}` : 'no contracts are defined'}`);
  }
  const functions = contract.abi.filter((item): item is AbiFunction => item.type === 'function' && item.name === node.functionName);
  if (functions.length === 0) {
    const names = [...new Set(contract.abi.filter((item): item is AbiFunction => item.type === 'function' && isView(item)).map((item) => item.name))];
    throw new ExpressionError(
      node.column,
      `contract "${node.contract}" has no function "${node.functionName}" in its ABI; its view functions are: ${names.length > 0 ? names.join(', ') : 'none'}`,
    );
  }
  const args = node.args.map((arg) => literalArgument(arg, contracts));
  const sameArity = functions.filter((item) => item.inputs.length === args.length);
  if (sameArity.length === 0) {
    const counts = [...new Set(functions.map((item) => item.inputs.length))].join(' or ');
    throw new ExpressionError(node.column, `${node.contract}.${node.functionName} takes ${counts} argument${counts === '1' ? '' : 's'}, got ${args.length}: ${functions.map(signature).join(', ')}`);
  }
  const matching = sameArity.filter((item) => item.inputs.every((input, i) => abiValueType(input.type) === args[i]!.valueType));
  const abiFunction = matching[0];
  if (!abiFunction) {
    const item = sameArity[0]!;
    const bad = item.inputs.findIndex((input, i) => abiValueType(input.type) !== args[i]!.valueType);
    const input = item.inputs[bad]!;
    const wanted = abiValueType(input.type);
    throw new ExpressionError(
      node.args[bad]!.column,
      `argument ${bad + 1} of ${signature(item)} is a ${input.type}${wanted ? ` (${describeType(wanted)})` : ', which expressions cannot write'}, got ${describeType(args[bad]!.valueType)}`,
    );
  }
  if (!isView(abiFunction)) {
    throw new ExpressionError(
      node.column,
      `${signature(abiFunction)} is ${abiFunction.stateMutability}, not view: warden only reads state; if it is a getter, fix its ABI entry to say "view"`,
    );
  }
  const { valueType, select } = resolveOutput(abiFunction, node.select, node.column);
  const values = args.map((arg) => arg.value);
  const read: ReadCall = {
    key: `${node.contract}.${abiFunction.name}(${values.map(renderArgument).join(', ')})`,
    contract: node.contract,
    address: contract.address,
    abi: [abiFunction],
    functionName: abiFunction.name,
    args: values,
  };
  return { type: 'read', valueType, read, select, column: node.column };
}

/** Every distinct read of a checked expression, in order of first appearance. */
export function collectReads(node: TypedNode, into = new Map<string, ReadCall>()): ReadCall[] {
  switch (node.type) {
    case 'read':
      if (!into.has(node.read.key)) into.set(node.read.key, node.read);
      break;
    case 'call':
      collectReads(node.argument, into);
      break;
    case 'unary':
      collectReads(node.operand, into);
      break;
    case 'binary':
      collectReads(node.left, into);
      collectReads(node.right, into);
      break;
    default:
      break;
  }
  return [...into.values()];
}

function isView(item: AbiFunction): boolean {
  return item.stateMutability === 'view' || item.stateMutability === 'pure';
}

function signature(item: AbiFunction): string {
  return `${item.name}(${item.inputs.map((input) => input.type).join(',')})`;
}

function renderArgument(value: Literal): string {
  return typeof value === 'string' && /^0x[0-9a-fA-F]{40}$/.test(value) ? value.toLowerCase() : typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Arguments are fixed: a literal (`-1` too), or a contract name standing for its address. */
function literalArgument(node: Node, contracts: Record<string, ReadableContract>): { value: Literal; valueType: ValueType } {
  if (node.type === 'literal') return { value: node.value, valueType: node.valueType };
  if (node.type === 'unary' && node.operator === '-' && node.operand.type === 'literal' && typeof node.operand.value === 'bigint') {
    return { value: -node.operand.value, valueType: 'bigint' };
  }
  if (node.type === 'name' && node.path.length === 1 && typeof node.path[0] === 'string' && contracts[node.path[0]]) {
    return { value: getAddress(contracts[node.path[0]]!.address), valueType: 'address' };
  }
  const what = node.type === 'name' ? `unknown contract "${formatPath(node.path)}"` : 'a computed value';
  throw new ExpressionError(
    node.column,
    `call arguments must be literals (numbers, addresses, "text", true/false) or contract names, got ${what}; contracts are: ${Object.keys(contracts).join(', ')}`,
  );
}

/**
 * The value type of the picked output and the path into viem's decoded result: one output decodes
 * to itself, several to an array (picked by name or index), a struct to an object of its fields.
 */
function resolveOutput(item: AbiFunction, written: PathPart[], column: number): { valueType: ValueType; select: PathPart[] } {
  const call = `${item.name}()`;
  let current: { type: string; components?: readonly AbiParameter[] } | undefined;
  const select: PathPart[] = [];
  let rest = written;
  if (item.outputs.length === 0) throw new ExpressionError(column, `${call} returns nothing; read a function that returns a value`);
  if (item.outputs.length === 1) {
    current = item.outputs[0];
  } else {
    const [first, ...after] = written;
    const index = typeof first === 'number' ? first : item.outputs.findIndex((output) => output.name === first);
    if (first === undefined || index < 0 || index >= item.outputs.length) {
      throw new ExpressionError(column, `${call} returns ${item.outputs.length} values; pick one: ${describeOutputs(item.outputs, call)}`);
    }
    current = item.outputs[index];
    select.push(index);
    rest = after;
  }
  for (const part of rest) {
    const components = current?.type === 'tuple' ? current.components : undefined;
    const field = components?.find((component) => component.name === part);
    if (!components || !field || typeof part === 'number') {
      throw new ExpressionError(column, `${call}${formatSelect(written)} does not exist: ${current?.type === 'tuple' ? `fields are ${components?.map((c) => c.name).join(', ')}` : `${call} gives a ${current?.type}`}`);
    }
    current = field;
    select.push(part);
  }
  if (current?.type === 'tuple') {
    throw new ExpressionError(column, `${call}${formatSelect(written)} is a struct; pick a field: ${current.components?.map((c) => c.name).join(', ')}`);
  }
  const valueType = current && abiValueType(current.type);
  if (!valueType) throw new ExpressionError(column, `${call}${formatSelect(written)} is a ${current?.type}, which expressions cannot use`);
  return { valueType, select };
}

function describeOutputs(outputs: readonly AbiParameter[], call: string): string {
  return outputs.map((output, i) => (output.name ? `${call}.${output.name}` : `${call}[${i}]`)).join(', ');
}

function formatSelect(select: PathPart[]): string {
  return formatPath(['', ...select]);
}
