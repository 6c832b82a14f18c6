/**
 * confd's key/value store (kelseyhightower/memkv): keys are paths, `gets` takes a glob as
 * Go's path.Match does, `ls` lists children (files and folders), `lsdir` folders only.
 */
import { KVPair } from './values';

export class KeyNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`key does not exist: ${key}`);
  }
}

function clean(p: string): string {
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `${p.startsWith('/') ? '/' : ''}${parts.join('/')}` || (p.startsWith('/') ? '/' : '.');
}

export function pathBase(p: string): string {
  if (p === '') return '.';
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

export function pathDir(p: string): string {
  const i = p.lastIndexOf('/');
  return clean(p.slice(0, i + 1) || '.');
}

/** Go's path.Match: *, ?, [classes] (not crossing "/"), \ escapes. */
export function pathMatch(pattern: string, name: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw new Error('syntax error in pattern');
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `^/${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\') {
      i++;
      if (i >= pattern.length) throw new Error('syntax error in pattern');
      re += pattern[i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`${re}$`).test(name);
}

const stripKey = (key: string, prefix: string) => key.replace(prefix, '').replace(/^\//, '');

export class KeyValueStore {
  private readonly data = new Map<string, string>();

  constructor(entries: Record<string, string> = {}) {
    for (const [k, v] of Object.entries(entries)) this.set(k, v);
  }

  set(key: string, value: string): void {
    this.data.set(key, String(value));
  }

  get size(): number {
    return this.data.size;
  }

  exists(key: string): boolean {
    return this.data.has(key);
  }

  get(key: string): KVPair {
    const value = this.data.get(key);
    if (value === undefined) throw new KeyNotFoundError(key);
    return new KVPair(key, value);
  }

  getValue(key: string, fallback?: string): string {
    const value = this.data.get(key);
    if (value !== undefined) return value;
    if (fallback !== undefined) return fallback;
    throw new KeyNotFoundError(key);
  }

  getAll(pattern: string): KVPair[] {
    const out = [...this.data.entries()].filter(([k]) => pathMatch(pattern, k)).map(([k, v]) => new KVPair(k, v));
    return out.sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
  }

  getAllValues(pattern: string): string[] {
    return this.getAll(pattern)
      .map((kv) => kv.Value)
      .sort();
  }

  list(dir: string): string[] {
    const names = new Set<string>();
    const prefix = clean(dir).split('/');
    for (const key of this.data.keys()) {
      if (key === dir) {
        names.add(pathBase(key));
        continue;
      }
      const target = clean(pathDir(key)).split('/');
      if (target.length >= prefix.length && prefix.every((t, i) => t === target[i])) names.add(stripKey(key, dir).split('/')[0]);
    }
    return [...names].sort();
  }

  listDir(dir: string): string[] {
    const names = new Set<string>();
    for (const key of this.data.keys()) {
      if (!key.startsWith(dir)) continue;
      const items = stripKey(key, dir).split('/');
      if (items.length < 2) continue;
      names.add(items[0]);
    }
    return [...names].sort();
  }
}
