/**
 * Maps an event's ABI inputs to the names and types a condition may use:
 * uint/int → number (bigint), address → address, bool → true/false, string/bytes → string,
 * struct (tuple) fields → dotted names (`order.amount`), array elements → indexed names
 * (`ids[0]`, `orders[0].amount`) and membership (`ids contains 5`). Whole arrays, and indexed
 * dynamic values (which logs only carry as a hash), are listed as unsupported with the reason.
 */
import type { AbiParameter } from 'viem';
import type { Scope } from './names.js';
import type { ValueType } from './ast.js';

export function scopeFromAbiInputs(params: { inputs: readonly AbiParameter[]; scopeName?: string }): Scope {
  const scope: ScopeTables = { variables: {}, elements: {}, unsupported: {} };
  for (const input of params.inputs) {
    if (!input.name) continue; // unnamed arguments cannot be referred to
    addParameter(scope, input.name, input, 'indexed' in input && input.indexed === true, false);
  }
  return { ...scope, scopeName: params.scopeName };
}

type ScopeTables = Required<Pick<Scope, 'variables' | 'elements' | 'unsupported'>>;

/** `inArray`: the parameter is (part of) an array element, so it goes to `elements`. */
function addParameter(scope: ScopeTables, name: string, parameter: AbiParameter, indexed: boolean, inArray: boolean): void {
  const type = parameter.type;
  const table = inArray ? scope.elements : scope.variables;
  if (type.endsWith(']')) {
    if (indexed) {
      scope.unsupported[name] = `it is an indexed ${type}, which the log only carries as a hash`;
      return;
    }
    if (!inArray) scope.unsupported[name] = `it is a ${type} (arrays are not supported); use one element, ${name}[0], or "${name} contains …"`;
    const element = { ...parameter, type: type.slice(0, type.lastIndexOf('[')) } as AbiParameter;
    addParameter(scope, `${name}[]`, element, false, true);
    return;
  }
  if (type === 'tuple') {
    if (indexed) {
      scope.unsupported[name] = 'it is an indexed struct, which the log only carries as a hash';
      return;
    }
    for (const component of (parameter as { components?: readonly AbiParameter[] }).components ?? []) {
      if (component.name) addParameter(scope, `${name}.${component.name}`, component, false, inArray);
    }
    return;
  }
  if (indexed && (type === 'string' || type === 'bytes')) {
    scope.unsupported[name] = `it is an indexed ${type}, which the log only carries as a hash`;
    return;
  }
  const valueType = abiValueType(type);
  if (valueType) table[name] = valueType;
  else if (!inArray) scope.unsupported[name] = `its type ${type} is not supported`;
}

/** The condition value type of a Solidity type, or undefined when conditions cannot use it. */
export function abiValueType(type: string): ValueType | undefined {
  if (/^u?int(\d+)?$/.test(type)) return 'bigint';
  if (type === 'address') return 'address';
  if (type === 'bool') return 'bool';
  if (type === 'string' || /^bytes(\d+)?$/.test(type)) return 'string';
  return undefined;
}
