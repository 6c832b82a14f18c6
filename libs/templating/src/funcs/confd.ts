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
import { BUILTINS, type FunctionMap, type FunctionSpec } from '../template';
import { fromJson, GoFloat, goTypeName, KVPair } from '../values';

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

/** A number from a number or a number string (QingCloud's arithmetic and comparisons). */
function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value instanceof GoFloat) return value.value;
  if (typeof value === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)) return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  throw new Error(`${formatValue(value)} (${goTypeName(value)}) is not a number`);
}
const isNumeric = (value: unknown) => {
  try {
    toNumber(value);
    return typeof value !== 'boolean';
  } catch {
    return false;
  }
};

function qingcloudFunctions(): FunctionMap {
  const arith = (op: (a: number, b: number) => number) => fn((a: unknown, b: unknown) => op(toNumber(a), toNumber(b)), 2);
  const compare = (name: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', numeric: (a: number, b: number) => boolean) =>
    fn((a: unknown, ...rest: unknown[]) => {
      if (rest.every(isNumeric) && isNumeric(a)) return name === 'eq' ? rest.some((b) => numeric(toNumber(a), toNumber(b))) : numeric(toNumber(a), toNumber(rest[0]));
      return BUILTINS[name].fn(a, ...rest);
    }, name === 'eq' ? 2 : 2, name === 'eq' ? -1 : 2);
  return {
    add: arith((a, b) => a + b),
    sub: arith((a, b) => a - b),
    mul: arith((a, b) => a * b),
    div: arith((a, b) => {
      if (b === 0) throw new Error('division by zero');
      return a / b;
    }),
    mod: arith((a, b) => {
      if (b === 0) throw new Error('division by zero');
      return a % b;
    }),
    max: fn((...values: unknown[]) => Math.max(...values.flat().map(toNumber)), 1, -1),
    min: fn((...values: unknown[]) => Math.min(...values.flat().map(toNumber)), 1, -1),
    filter: fn((pattern: unknown, values: unknown) => strings(values).filter((v) => new RegExp(str(pattern)).test(v)), 2),
    toJson: fn((value: unknown) => JSON.stringify(value instanceof KVPair ? { Key: value.Key, Value: value.Value } : value, (_k, v: unknown) => (v instanceof GoFloat ? v.value : v)), 1),
    toYaml: fn((value: unknown) => toYaml(value), 1),
    eq: compare('eq', (a, b) => a === b),
    ne: compare('ne', (a, b) => a !== b),
    lt: compare('lt', (a, b) => a < b),
    le: compare('le', (a, b) => a <= b),
    gt: compare('gt', (a, b) => a > b),
    ge: compare('ge', (a, b) => a >= b),
  };
}
