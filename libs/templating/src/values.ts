/**
 * How template data maps to Go values: strings, numbers (integral ones print as Go ints),
 * booleans, null (nil), undefined (a missing value: "<no value>"), arrays (slices), Map
 * objects and plain objects (maps, keys in sorted order), and Go structs such as confd's
 * KVPair (fields in declaration order).
 */
export const NO_VALUE = undefined;

/**
 * A Go float64 whose value is a whole number (1.0, a JSON number): JavaScript has one number
 * type, Go two, and they print and compare differently (1e6 prints 1e+06, eq 1 1.0 fails).
 * Numbers that are not whole are floats already; whole JavaScript numbers are Go ints.
 */
export class GoFloat {
  constructor(readonly value: number) {}
}

/** A Go float64 from a number: boxed when whole, so that it stays a float. */
export const goFloat = (n: number): number | GoFloat => (Number.isInteger(n) ? new GoFloat(n) : n);

/** The numeric value of a Go int or float, or undefined. */
export function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value instanceof GoFloat) return value.value;
  return undefined;
}

export const isGoInt = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);
export const isGoFloat = (value: unknown) => value instanceof GoFloat || (typeof value === 'number' && !Number.isInteger(value));

/** JSON as Go's encoding/json reads it into interface{}: every number a float64. */
export function fromJson(value: unknown): unknown {
  if (typeof value === 'number') return goFloat(value);
  if (Array.isArray(value)) return value.map(fromJson);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromJson(v)]));
  return value;
}

/** A Go struct: printed {a b}, fields read by name. */
export abstract class GoStruct {
  abstract fieldNames(): string[];

  /** A field or method by its Go name (`Key`, `String`), as Go's reflection reaches it; undefined if it has none. */
  member(name: string): unknown {
    return (this as Record<string, unknown>)[name];
  }
}

/** confd's memkv.KVPair. */
export class KVPair extends GoStruct {
  constructor(
    readonly Key: string,
    readonly Value: string,
  ) {
    super();
  }
  fieldNames(): string[] {
    return ['Key', 'Value'];
  }
}

export type GoMap = Map<unknown, unknown> | Record<string, unknown>;

export function isMap(value: unknown): value is GoMap {
  return value instanceof Map || (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof GoStruct) && !(value instanceof GoFloat) && Object.getPrototypeOf(value) === Object.prototype);
}

export function mapKeys(map: GoMap): unknown[] {
  const keys = map instanceof Map ? [...map.keys()] : Object.keys(map);
  return keys.sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}

export function mapGet(map: GoMap, key: unknown): { found: boolean; value: unknown } {
  if (map instanceof Map) return { found: map.has(key), value: map.get(key) };
  const k = String(key);
  return Object.prototype.hasOwnProperty.call(map, k) ? { found: true, value: (map as Record<string, unknown>)[k] } : { found: false, value: undefined };
}

export function goTypeName(value: unknown): string {
  if (value === undefined) return 'invalid';
  if (value === null) return '<nil>';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float64';
  if (value instanceof GoFloat) return 'float64';
  if (typeof value === 'function') return 'func';
  if (Array.isArray(value)) return '[]interface {}';
  if (value instanceof KVPair) return 'memkv.KVPair';
  if (value instanceof GoStruct) return 'struct';
  if (isMap(value)) return 'map[string]interface {}';
  return typeof value;
}

/** Go's truth: false, 0, nil, and empty strings, slices and maps are false. */
export function isTrue(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (value instanceof GoFloat) return value.value !== 0;
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map) return value.size > 0;
  if (isMap(value)) return Object.keys(value).length > 0;
  return true;
}
