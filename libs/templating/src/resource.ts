/**
 * confd's template resources: a toml `[template]` table (src, dest, keys, prefix, mode,
 * uid, gid, check_cmd, reload_cmd) processed as confd does it: render into a staging file
 * beside dest, compare content, mode and owner, run check_cmd on the staged file ({{.src}}),
 * rename it over dest atomically, run reload_cmd. Nothing is written or reloaded when nothing
 * changed; a failing check leaves dest untouched and says why.
 */
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { confdFunctions, type Dialect } from './funcs/confd';
import { KeyValueStore } from './store';
import { Template } from './template';

export interface TemplateResource {
  /** The toml it came from. */
  file: string;
  src: string;
  dest: string;
  keys: string[];
  prefix: string;
  mode: number | null;
  uid: number | null;
  gid: number | null;
  checkCmd: string | null;
  reloadCmd: string | null;
}

export class ResourceError extends Error {}

const MAX_TEMPLATE_BYTES = 10 * 1024 * 1024;

export function loadResource(file: string): TemplateResource {
  let table: Record<string, unknown>;
  try {
    const doc = parseToml(readFileSync(file, 'utf8')) as Record<string, unknown>;
    table = doc.template as Record<string, unknown>;
  } catch (error) {
    throw new ResourceError(`${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!table || typeof table !== 'object') throw new ResourceError(`${file}: no [template] table`);
  const need = (key: string) => {
    const value = table[key];
    if (typeof value !== 'string' || value === '') throw new ResourceError(`${file}: [template] ${key} is required`);
    return value;
  };
  const optionalString = (key: string) => (typeof table[key] === 'string' && table[key] !== '' ? (table[key] as string) : null);
  const optionalInt = (key: string) => (typeof table[key] === 'number' || typeof table[key] === 'bigint' ? Number(table[key]) : null);
  const mode = optionalString('mode');
  if (mode !== null && !/^0?[0-7]{3,4}$/.test(mode)) throw new ResourceError(`${file}: [template] mode must be octal like "0644", not "${mode}"`);
  const keys = table.keys ?? [];
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw new ResourceError(`${file}: [template] keys must be a list of strings`);
  return {
    file,
    src: need('src'),
    dest: need('dest'),
    keys: [...new Set(keys as string[])],
    prefix: optionalString('prefix') ?? '',
    mode: mode === null ? null : parseInt(mode, 8),
    uid: optionalInt('uid'),
    gid: optionalInt('gid'),
    checkCmd: optionalString('check_cmd'),
    reloadCmd: optionalString('reload_cmd'),
  };
}

/** The store a resource sees: only its keys (under its prefix), with the prefix taken off, as confd does. */
export function storeFor(resource: Pick<TemplateResource, 'keys' | 'prefix'>, all: Record<string, string>): KeyValueStore {
  const store = new KeyValueStore();
  const prefix = resource.prefix ? `/${resource.prefix.replace(/^\/+|\/+$/g, '')}` : '';
  for (const key of resource.keys) {
    const full = `${prefix}${key.startsWith('/') ? key : `/${key}`}`.replace(/\/+$/, '') || '/';
    for (const [k, v] of Object.entries(all)) if (k.startsWith(full)) store.set(`/${k.slice(prefix.length).replace(/^\/+/, '')}`, v);
  }
  return store;
}

export interface RenderOptions {
  /** Folder holding templates/ (a confdir). */
  templatesDir: string;
  keys: Record<string, string>;
  env?: Record<string, string | undefined>;
  dialect?: Dialect;
}

/** Renders one resource to a string (no files touched). */
export function renderResource(resource: TemplateResource, options: RenderOptions): string {
  const path = join(options.templatesDir, resource.src);
  if (!existsSync(path)) throw new ResourceError(`${resource.file}: template ${path} does not exist`);
  if (statSync(path).size > MAX_TEMPLATE_BYTES) throw new ResourceError(`${resource.file}: template ${path} is larger than ${MAX_TEMPLATE_BYTES} bytes`);
  const store = storeFor(resource, options.keys);
  const template = Template.parse(basename(resource.src), readFileSync(path, 'utf8'), confdFunctions(store, options.env ?? process.env, options.dialect ?? 'confd'));
  return template.execute(null);
}

export interface SyncResult {
  resource: TemplateResource;
  changed: boolean;
  /** What dest held before (null: no file). */
  previous: string | null;
  rendered: string;
  reloaded: boolean;
}

export interface SyncOptions extends RenderOptions {
  dryRun?: boolean;
  /** How long check_cmd and reload_cmd may run. */
  commandTimeoutMs?: number;
}

function run(command: string, timeoutMs: number): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: output.trim(), timedOut });
    });
  });
}

/** Renders, stages, checks, swaps and reloads one resource, as confd does. */
export async function syncResource(resource: TemplateResource, options: SyncOptions): Promise<SyncResult> {
  const rendered = renderResource(resource, options);
  const destDir = dirname(resource.dest);
  if (!existsSync(destDir)) throw new ResourceError(`${resource.file}: the folder of dest ${resource.dest} does not exist`);
  const previous = existsSync(resource.dest) ? readFileSync(resource.dest, 'utf8') : null;
  const current = previous === null ? null : statSync(resource.dest);
  const modeDiffers = resource.mode !== null && current !== null && (current.mode & 0o7777) !== resource.mode;
  const ownerDiffers = current !== null && ((resource.uid !== null && current.uid !== resource.uid) || (resource.gid !== null && current.gid !== resource.gid));
  const changed = previous !== rendered || modeDiffers || ownerDiffers;
  if (!changed || options.dryRun) return { resource, changed, previous, rendered, reloaded: false };

  const timeoutMs = options.commandTimeoutMs ?? 60_000;
  const staged = join(destDir, `.${basename(resource.dest)}${Date.now()}${Math.random().toString(16).slice(2, 8)}`);
  writeFileSync(staged, rendered, { mode: resource.mode ?? (current ? current.mode & 0o7777 : 0o644) });
  try {
    if (resource.mode !== null) chmodSync(staged, resource.mode);
    if (resource.uid !== null || resource.gid !== null) chownSync(staged, resource.uid ?? current?.uid ?? process.getuid!(), resource.gid ?? current?.gid ?? process.getgid!());
    if (resource.checkCmd) {
      const check = await run(resource.checkCmd.replace(/\{\{\s*\.src\s*\}\}/g, staged), timeoutMs);
      if (check.timedOut) throw new ResourceError(`${resource.file}: check_cmd did not finish within ${timeoutMs} ms; ${resource.dest} is unchanged`);
      if (check.code !== 0) throw new ResourceError(`${resource.file}: check_cmd failed (exit ${check.code})${check.output ? `: ${check.output}` : ''}; ${resource.dest} is unchanged`);
    }
    renameSync(staged, resource.dest);
  } finally {
    rmSync(staged, { force: true });
  }
  let reloaded = false;
  if (resource.reloadCmd) {
    const reload = await run(resource.reloadCmd, timeoutMs);
    if (reload.timedOut) throw new ResourceError(`${resource.file}: reload_cmd did not finish within ${timeoutMs} ms (${resource.dest} was updated)`);
    if (reload.code !== 0) throw new ResourceError(`${resource.file}: reload_cmd failed (exit ${reload.code})${reload.output ? `: ${reload.output}` : ''} (${resource.dest} was updated)`);
    reloaded = true;
  }
  return { resource, changed, previous, rendered, reloaded };
}

/** Every conf.d/*.toml of a confdir, in name order. */
export function loadConfdir(confdir: string): TemplateResource[] {
  const confd = join(confdir, 'conf.d');
  if (!existsSync(confd)) throw new ResourceError(`${confdir} has no conf.d/ folder`);
  return readdirSync(confd)
    .filter((f) => f.endsWith('.toml'))
    .sort()
    .map((f) => loadResource(join(confd, f)));
}
