/**
 * confd's template functions, with confd's semantics, and QingCloud's variants where they
 * differ (string-tolerant and float arithmetic, comparisons that read number strings,
 * max min filter toJson toYaml), chosen by one switch: the dialect.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { stringify as toYaml } from 'yaml';
import { formatValue } from '../fmt';
import { GoTime } from '../go-time';
import { KeyValueStore, pathBase, pathDir } from '../store';
import { type FunctionMap, type FunctionSpec } from '../template';
import { fromJson, GoFloat, goFloat, goTypeName, isGoFloat, isGoInt, KVPair, numeric } from '../values';

export type Dialect = 'confd' | 'qingcloud';
export const DIALECTS: Dialect[] = ['confd', 'qingcloud'];

const fn = (f: (...args: any[]) => unknown, min: number, max = min): FunctionSpec => ({ fn: f, min, max });

function str(value: unknown, name = 'value'): string {
  if (typeof value !== 'string') throw new Error(`wrong type for ${name}; expected string; got ${goTypeName(value)}`);
  return value;
}
function int(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`wrong type for value; expected int; got ${goTypeName(value)}`);
  return value;
}
function strings(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`wrong type for value; expected []string; got ${goTypeName(value)}`);
  return value;
}

/** strconv.Atoi. */
function atoi(s: unknown): number {
  const text = str(s);
  if (!/^[+-]?\d+$/.test(text)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  return Number(text);
}

/** strconv.ParseBool. */
function parseBool(s: unknown): boolean {
  const text = str(s);
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw new Error(`strconv.ParseBool: parsing ${JSON.stringify(text)}: invalid syntax`);
}

/** DNS answers, synchronously as Go's resolver gives them: a short-lived node child does the lookup. */
function resolveSync(kind: 'ip' | 'ipv4' | 'ipv6' | 'srv', args: string[]): unknown {
  const script = `const dns=require('node:dns');const [k,...a]=process.argv.slice(1);
    const done=(v)=>{process.stdout.write(JSON.stringify(v));};
    if(k==='srv'){dns.resolveSrv('_'+a[0]+'._'+a[1]+'.'+a[2],(e,r)=>done(e?[]:r));}
    else{dns.lookup(a[0],{all:true,family:k==='ipv4'?4:k==='ipv6'?6:0},(e,r)=>done(e?[]:r.map(x=>x.address)));}`;
  const result = spawnSync(process.execPath, ['-e', script, kind, ...args], { encoding: 'utf8', timeout: 10_000 });
  try {
    return JSON.parse(result.stdout || '[]');
  } catch {
    return [];
  }
}

/** confd's functions (and the store's), over one store and one environment. */
export function confdFunctions(store: KeyValueStore, env: Record<string, string | undefined>, dialect: Dialect = 'confd'): FunctionMap {
  const funcs: FunctionMap = {
    // memkv
    exists: fn((key: unknown) => store.exists(str(key)), 1),
    ls: fn((dir: unknown) => store.list(str(dir)), 1),
    lsdir: fn((dir: unknown) => store.listDir(str(dir)), 1),
    get: fn((key: unknown) => store.get(str(key)), 1),
    gets: fn((pattern: unknown) => store.getAll(str(pattern)), 1),
    getv: fn((key: unknown, fallback?: unknown) => store.getValue(str(key), fallback === undefined ? undefined : str(fallback)), 1, 2),
    getvs: fn((pattern: unknown) => store.getAllValues(str(pattern)), 1),
    // strings and paths
    base: fn((p: unknown) => pathBase(str(p)), 1),
    dir: fn((p: unknown) => pathDir(str(p)), 1),
    split: fn((s: unknown, sep: unknown) => (str(sep) === '' ? [...str(s)] : str(s).split(str(sep))), 2),
    join: fn((parts: unknown, sep: unknown) => strings(parts).join(str(sep)), 2),
    toUpper: fn((s: unknown) => str(s).toUpperCase(), 1),
    toLower: fn((s: unknown) => str(s).toLowerCase(), 1),
    contains: fn((s: unknown, sub: unknown) => str(s).includes(str(sub)), 2),
    replace: fn((s: unknown, from: unknown, to: unknown, n: unknown) => {
      let text = str(s);
      const count = int(n);
      if (count < 0) return text.split(str(from)).join(str(to));
      let out = '';
      for (let i = 0; i < count; i++) {
        const at = text.indexOf(str(from));
        if (at < 0) break;
        out += text.slice(0, at) + str(to);
        text = text.slice(at + str(from).length || 1);
      }
      return out + text;
    }, 4),
    trimSuffix: fn((s: unknown, suffix: unknown) => (str(s).endsWith(str(suffix)) && str(suffix) ? str(s).slice(0, -str(suffix).length) : str(s)), 2),
    json: fn((s: unknown) => {
      const value = JSON.parse(str(s)) as unknown;
      if (value !== null && (typeof value !== 'object' || Array.isArray(value))) throw new Error(`json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into Go value of type map[string]interface {}`);
      return fromJson(value);
    }, 1),
    jsonArray: fn((s: unknown) => {
      const value = JSON.parse(str(s)) as unknown;
      if (value !== null && !Array.isArray(value)) throw new Error(`json: cannot unmarshal ${typeof value} into Go value of type []interface {}`);
      return fromJson(value);
    }, 1),
    map: fn((...values: unknown[]) => {
      if (values.length % 2 !== 0) throw new Error('invalid map call');
      const out: Record<string, unknown> = {};
      for (let i = 0; i < values.length; i += 2) {
        if (typeof values[i] !== 'string') throw new Error('map keys must be strings');
        out[values[i] as string] = values[i + 1];
      }
      return out;
    }, 0, -1),
    getenv: fn((key: unknown, fallback?: unknown) => env[str(key)] || (fallback === undefined ? '' : str(fallback)), 1, 2),
    datetime: fn(() => new GoTime(new Date()), 0),
    fileExists: fn((p: unknown) => existsSync(str(p)), 1),
    lookupIP: fn((host: unknown) => (resolveSync('ip', [str(host)]) as string[]).sort(), 1),
    lookupIPV4: fn((host: unknown) => (resolveSync('ipv4', [str(host)]) as string[]).sort(), 1),
    lookupIPV6: fn((host: unknown) => (resolveSync('ipv6', [str(host)]) as string[]).sort(), 1),
    lookupSRV: fn((service: unknown, proto: unknown, name: unknown) => {
      const records = (resolveSync('srv', [str(service), str(proto), str(name)]) as { name: string; port: number; priority: number; weight: number }[]).map((r) => ({
        Target: r.name.endsWith('.') ? r.name : `${r.name}.`,
        Port: r.port,
        Priority: r.priority,
        Weight: r.weight,
      }));
      return records.sort((a, b) => (`${a.Target}${a.Port}${a.Priority}${a.Weight}` < `${b.Target}${b.Port}${b.Priority}${b.Weight}` ? -1 : 1));
    }, 3),
    base64Encode: fn((s: unknown) => Buffer.from(str(s), 'utf8').toString('base64'), 1),
    base64Decode: fn((s: unknown) => {
      const text = str(s);
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new Error('illegal base64 data at input byte 0');
      return Buffer.from(text, 'base64').toString('utf8');
    }, 1),
    parseBool: fn(parseBool, 1),
    atoi: fn(atoi, 1),
    reverse: fn((values: unknown) => {
      if (!Array.isArray(values)) throw new Error(`reverse of type ${goTypeName(values)}`);
      return [...values].reverse();
    }, 1),
    sortByLength: fn((values: unknown) => [...strings(values)].sort((a, b) => a.length - b.length), 1),
    sortKVByLength: fn((values: unknown) => {
      if (!Array.isArray(values) || !values.every((v) => v instanceof KVPair)) throw new Error(`wrong type for value; expected []memkv.KVPair; got ${goTypeName(values)}`);
      return [...(values as KVPair[])].sort((a, b) => a.Key.length - b.Key.length);
    }, 1),
    seq: fn((first: unknown, last: unknown) => {
      const out: number[] = [];
      for (let i = int(first); i <= int(last); i++) out.push(i);
      return out;
    }, 2),
    add: fn((a: unknown, b: unknown) => int(a) + int(b), 2),
    sub: fn((a: unknown, b: unknown) => int(a) - int(b), 2),
    mul: fn((a: unknown, b: unknown) => int(a) * int(b), 2),
    div: fn((a: unknown, b: unknown) => {
      if (int(b) === 0) throw new Error('runtime error: integer divide by zero');
      return Math.trunc(int(a) / int(b));
    }, 2),
    mod: fn((a: unknown, b: unknown) => {
      if (int(b) === 0) throw new Error('runtime error: integer divide by zero');
      return int(a) % int(b);
    }, 2),
  };
  return dialect === 'qingcloud' ? { ...funcs, ...qingcloudFunctions() } : funcs;
}

/**
 * QingCloud's confd (yunify/confd, template_funcs_ext.go): arithmetic and comparisons that
 * read number strings ("3" is an int, "3.0" a float), int arithmetic unless a float takes
 * part (div "3" 2 is 1, div "3.00" 2 is 1.5), two-argument eq/ne that compare numbers by value
 * and never fail, lt/le/gt/ge over numbers, number strings, lengths and times, max/min as floats,
 * filter over strings and key/value pairs, toJson and toYaml.
 */
const GO_FLOAT_SYNTAX = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

type Num = { int: number; float: number; isFloat: boolean };

/** stringToNumber: a "." makes a float, else an int; anything else is an error. */
function readNumber(value: unknown): Num | null {
  if (typeof value === 'string') {
    if (value.includes('.')) {
      if (!GO_FLOAT_SYNTAX.test(value)) throw new Error(`Can't apply the operator to the value [${value}] ,err [strconv.ParseFloat: parsing ${JSON.stringify(value)}: invalid syntax] `);
      return { int: 0, float: Number(value), isFloat: true };
    }
    if (!/^[+-]?\d+$/.test(value)) throw new Error(`Can't apply the operator to the value [${value}] ,err [strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax] `);
    return { int: Number(value), float: 0, isFloat: false };
  }
  if (isGoFloat(value)) return { int: 0, float: numeric(value)!, isFloat: true };
  if (isGoInt(value)) return { int: value, float: 0, isFloat: false };
  return null;
}

function arithmetic(op: '+' | '-' | '*' | '/') {
  return (a: unknown, b: unknown): unknown => {
    const x = readNumber(a);
    const y = readNumber(b);
    if (!x || !y) throw new Error("Can't apply the operator to the values");
    let [ai, bi, af, bf] = [x.int, y.int, x.float, y.float];
    if (x.isFloat !== y.isFloat) {
      // One float: both are floats.
      if (x.isFloat) [bf, bi] = [y.int, 0];
      else [af, ai] = [x.int, 0];
    }
    const float = (n: number) => goFloat(n);
    switch (op) {
      case '/':
        if (bf !== 0) return float(af / bf);
        if (bi !== 0) return Math.trunc(ai / bi);
        throw new Error("Can't divide the value by 0");
      default: {
        const apply = (p: number, q: number) => (op === '+' ? p + q : op === '-' ? p - q : p * q);
        if (af !== 0 || bf !== 0) return float(apply(af, bf));
        if (ai !== 0 || bi !== 0) return apply(ai, bi);
        return 0;
      }
    }
  };
}

function readAnyNumber(value: unknown, what: string): number {
  const n = readNumber(value);
  if (!n) throw new Error(`${what} operator can't apply to the values`);
  return n.isFloat ? n.float : n.int;
}

/** eq's normalization: number strings and numbers become float64; the rest stays as it is. */
function normalize(value: unknown): unknown {
  if (typeof value === 'string') {
    try {
      const n = readNumber(value);
      if (n) return n.isFloat ? n.float : n.int;
    } catch {
      return value;
    }
  }
  return numeric(value) ?? value;
}

function qingcloudEq(x: unknown, y: unknown): boolean {
  const [a, b] = [normalize(x), normalize(y)];
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return a === b;
  return formatValue(a) === formatValue(b) && goTypeName(a) === goTypeName(b);
}

/** compareGetFloat: lengths of collections, numbers, number strings, times; two plain strings compare as strings. */
function comparable(a: unknown, b: unknown): [number, number] {
  const side = (v: unknown): { n: number; text?: string } => {
    if (Array.isArray(v)) return { n: v.length };
    if (v instanceof Map) return { n: v.size };
    if (v !== null && typeof v === 'object' && !(v instanceof GoTime) && numeric(v) === undefined && !(v instanceof KVPair)) return { n: Object.keys(v).length };
    if (numeric(v) !== undefined) return { n: numeric(v)! };
    if (typeof v === 'string') return GO_FLOAT_SYNTAX.test(v.trim()) && v.trim() === v ? { n: Number(v) } : { n: 0, text: v };
    if (v instanceof GoTime) return { n: v.Unix() };
    return { n: 0 };
  };
  const [l, r] = [side(a), side(b)];
  if (l.text !== undefined && r.text !== undefined) return l.text < r.text ? [0, 1] : l.text > r.text ? [1, 0] : [0, 0];
  return [l.n, r.n];
}

function qingcloudFunctions(): FunctionMap {
  const compare = (test: (l: number, r: number) => boolean) => fn((a: unknown, b: unknown) => test(...comparable(a, b)), 2);
  return {
    add: fn(arithmetic('+'), 2),
    sub: fn(arithmetic('-'), 2),
    mul: fn(arithmetic('*'), 2),
    div: fn(arithmetic('/'), 2),
    mod: fn((a: unknown, b: unknown) => {
      const x = readNumber(a);
      const y = readNumber(b);
      if (!x || !y || x.isFloat || y.isFloat) throw new Error("Modulo operator can't be used with non integer value");
      if (y.int === 0) throw new Error("The number can't be divided by zero at modulo operation");
      return x.int % y.int;
    }, 2),
    max: fn((a: unknown, b: unknown) => goFloat(Math.max(readAnyNumber(a, 'Max'), readAnyNumber(b, 'Max'))), 2),
    min: fn((a: unknown, b: unknown) => goFloat(Math.min(readAnyNumber(a, 'Max'), readAnyNumber(b, 'Max'))), 2),
    eq: fn((x: unknown, y: unknown) => qingcloudEq(x, y), 2),
    ne: fn((x: unknown, y: unknown) => !qingcloudEq(x, y), 2),
    lt: compare((l, r) => l < r),
    le: compare((l, r) => l <= r),
    gt: compare((l, r) => l > r),
    ge: compare((l, r) => l >= r),
    filter: fn((pattern: unknown, values: unknown) => {
      if (!Array.isArray(values)) throw new Error('filter only support slice or array.');
      const regex = new RegExp(str(pattern));
      return values.filter((v) => (typeof v === 'string' ? regex.test(v) : v instanceof KVPair ? regex.test(v.Value) : false));
    }, 2),
    toJson: fn((value: unknown) => JSON.stringify(value instanceof KVPair ? { Key: value.Key, Value: value.Value } : value, (_k, v: unknown) => (v instanceof GoFloat ? v.value : v instanceof KVPair ? { Key: v.Key, Value: v.Value } : v)), 1),
    toYaml: fn((value: unknown) => toYaml(plain(value, true), { indentSeq: false }), 1), // Go's yaml: sequences in a map are not indented
  };
}

/** A value as YAML and JSON encoders see it (gopkg.in/yaml lower-cases struct field names). */
function plain(value: unknown, lowerFields: boolean): unknown {
  if (value instanceof GoFloat) return value.value;
  if (value instanceof KVPair) return lowerFields ? { key: value.Key, value: value.Value } : { Key: value.Key, Value: value.Value };
  if (Array.isArray(value)) return value.map((v) => plain(v, lowerFields));
  if (value && typeof value === 'object' && !(value instanceof GoTime)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v, lowerFields)]));
  return value;
}
