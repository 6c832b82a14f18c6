/**
 * A cartridge bundle: the files a cartridge needs beyond its JSON (its confdir, provisioning
 * steps, Stratos extension hooks), as a gzipped POSIX ustar archive. Pure functions over
 * buffers, so that the CLI (packing and checking offline), the manager and the controller
 * (checking what they are sent) and the agent (unpacking) read it with the same rules:
 * regular files and folders only, relative paths that stay inside the bundle, bounded sizes.
 *
 * Layout (each part optional):
 *   confd/conf.d/*.toml, confd/templates/*   config templates (confd's format)
 *   provision/*                              a generic image's provisioning steps, in name order
 *   extensions/<event>.sh                    Stratos agent hooks
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

export const BUNDLE_LIMITS = {
  /** The gzipped archive. */
  compressedBytes: 8 * 1024 * 1024,
  /** Everything in it, unpacked. */
  unpackedBytes: 64 * 1024 * 1024,
  entries: 10_000,
  pathBytes: 255,
} as const;

export interface BundleEntry {
  /** Relative, `/`-separated, no `.` or `..` segments; folders without a trailing slash. */
  path: string;
  kind: 'file' | 'dir';
  /** Permission bits (0o644, 0o755). */
  mode: number;
  content?: Uint8Array;
}

export interface BundleInfo {
  sha256: string;
  /** Bytes of the gzipped archive. */
  size: number;
  files: number;
  uploadedAt: string;
}

/** What is wrong with an archive, in words a person can act on. */
export class BundleError extends Error {}

const BLOCK = 512;

export function bundleSha256(archive: Uint8Array): string {
  return createHash('sha256').update(archive).digest('hex');
}

/** Refuses what could leave the folder it is unpacked into, or name nothing. */
export function checkBundlePath(path: string): string {
  if (path === '' || path.includes('\0')) throw new BundleError(`an entry has an empty or NUL-containing name`);
  if (Buffer.byteLength(path) > BUNDLE_LIMITS.pathBytes) throw new BundleError(`${path.slice(0, 60)}…: a path is longer than ${BUNDLE_LIMITS.pathBytes} bytes`);
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed.startsWith('/')) throw new BundleError(`${path}: an absolute path; bundle paths are relative`);
  const segments = trimmed.split('/');
  if (segments.some((s) => s === '..')) throw new BundleError(`${path}: ".." would leave the bundle`);
  if (segments.some((s) => s === '' || s === '.')) throw new BundleError(`${path}: empty or "." path segments`);
  return trimmed;
}

function octal(value: number, width: number): Buffer {
  return Buffer.from(`${value.toString(8).padStart(width - 1, '0')}\0`, 'ascii');
}

function header(entry: BundleEntry, size: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  const name = Buffer.from(entry.kind === 'dir' ? `${entry.path}/` : entry.path);
  let prefix = Buffer.alloc(0);
  let short = name;
  if (name.length > 100) {
    // ustar's prefix/name split, at a slash, each part within its field.
    const text = name.toString();
    const cut = text.lastIndexOf('/', text.length - 2 > 155 ? 155 : text.length - 2);
    if (cut <= 0 || Buffer.byteLength(text.slice(cut + 1)) > 100 || Buffer.byteLength(text.slice(0, cut)) > 155) throw new BundleError(`${entry.path}: a path ustar cannot hold`);
    prefix = Buffer.from(text.slice(0, cut));
    short = Buffer.from(text.slice(cut + 1));
  }
  short.copy(block, 0);
  octal(entry.mode & 0o7777, 8).copy(block, 100);
  octal(0, 8).copy(block, 108);
  octal(0, 8).copy(block, 116);
  octal(size, 12).copy(block, 124);
  octal(0, 12).copy(block, 136);
  block.fill(' ', 148, 156);
  block.write(entry.kind === 'dir' ? '5' : '0', 156, 'ascii');
  block.write('ustar\u000000', 257, 'binary');
  prefix.copy(block, 345);
  let sum = 0;
  for (const byte of block) sum += byte;
  Buffer.from(`${sum.toString(8).padStart(6, '0')}\0 `, 'ascii').copy(block, 148);
  return block;
}

/** Packs entries (checked) into a gzipped ustar archive. */
export function packBundle(entries: BundleEntry[]): Buffer {
  const parts: Buffer[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const path = checkBundlePath(entry.path);
    if (seen.has(path)) throw new BundleError(`${path}: twice in the bundle`);
    seen.add(path);
    const content = entry.kind === 'file' ? Buffer.from(entry.content ?? new Uint8Array()) : Buffer.alloc(0);
    parts.push(header({ ...entry, path }, content.length), content, Buffer.alloc((BLOCK - (content.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  const archive = gzipSync(Buffer.concat(parts), { level: 9 });
  if (archive.length > BUNDLE_LIMITS.compressedBytes) throw new BundleError(`the bundle is ${archive.length} bytes gzipped, over the limit of ${BUNDLE_LIMITS.compressedBytes}`);
  return archive;
}

function field(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

function readOctal(block: Buffer, offset: number, length: number, what: string, at: string): number {
  const text = field(block, offset, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new BundleError(`${at}: its ${what} is not an octal number`);
  return parseInt(text, 8);
}

/**
 * Reads a gzipped ustar archive into checked entries; throws a BundleError naming the entry
 * and the fault for anything else (links, devices, paths that leave the bundle, sizes over
 * the limits, a broken archive).
 */
export function readBundle(archive: Uint8Array): BundleEntry[] {
  if (archive.length > BUNDLE_LIMITS.compressedBytes) throw new BundleError(`the bundle is ${archive.length} bytes gzipped, over the limit of ${BUNDLE_LIMITS.compressedBytes}`);
  let tar: Buffer;
  try {
    tar = gunzipSync(archive, { maxOutputLength: BUNDLE_LIMITS.unpackedBytes + BLOCK * 64 });
  } catch (error) {
    const message = (error as Error).message;
    throw new BundleError((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || /maxOutputLength|larger than/i.test(message) ? `the bundle unpacks to more than ${BUNDLE_LIMITS.unpackedBytes} bytes` : `not a gzipped archive (${message})`);
  }
  const entries: BundleEntry[] = [];
  const seen = new Set<string>();
  let unpacked = 0;
  for (let offset = 0; ; ) {
    if (offset + BLOCK > tar.length) throw new BundleError('the archive ends without its end-of-archive blocks (truncated?)');
    const block = tar.subarray(offset, offset + BLOCK);
    if (block.every((b) => b === 0)) break;
    const at = `entry ${entries.length + 1}`;
    const stored = readOctal(block, 148, 8, 'checksum', at);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i];
    if (sum !== stored) throw new BundleError(`${at}: bad header checksum (not a tar archive, or a damaged one)`);
    const prefix = field(block, 345, 155);
    const rawPath = prefix ? `${prefix}/${field(block, 0, 100)}` : field(block, 0, 100);
    const type = String.fromCharCode(block[156] || 48);
    const size = readOctal(block, 124, 12, 'size', rawPath || at);
    const mode = readOctal(block, 100, 8, 'mode', rawPath || at) & 0o777;
    offset += BLOCK;
    if (type !== '0' && type !== '5' && type !== '7') {
      const kinds: Record<string, string> = { '1': 'a hard link', '2': 'a symbolic link', '3': 'a device', '4': 'a device', '6': 'a FIFO', x: 'a pax header', g: 'a pax header', L: 'a GNU long name' };
      throw new BundleError(`${rawPath || at}: ${kinds[type] ?? `type "${type}"`}; a bundle holds regular files and folders only (pack it with stratos cartridge add --bundle DIR, or tar --format=ustar)`);
    }
    const path = checkBundlePath(rawPath);
    if (offset + size > tar.length) throw new BundleError(`${path}: the archive ends inside it (truncated?)`);
    if (seen.has(path)) throw new BundleError(`${path}: twice in the bundle`);
    seen.add(path);
    unpacked += size;
    if (unpacked > BUNDLE_LIMITS.unpackedBytes) throw new BundleError(`the bundle unpacks to more than ${BUNDLE_LIMITS.unpackedBytes} bytes`);
    if (entries.length >= BUNDLE_LIMITS.entries) throw new BundleError(`more than ${BUNDLE_LIMITS.entries} entries`);
    if (type === '5') entries.push({ path, kind: 'dir', mode: mode || 0o755 });
    else entries.push({ path, kind: 'file', mode: mode || 0o644, content: new Uint8Array(tar.subarray(offset, offset + size)) });
    offset += size + ((BLOCK - (size % BLOCK)) % BLOCK);
  }
  // A file and a folder of the same name, or a file inside a file, cannot both be unpacked.
  const files = new Set(entries.filter((e) => e.kind === 'file').map((e) => e.path));
  for (const entry of entries) {
    const parts = entry.path.split('/');
    for (let i = 1; i < parts.length; i++) if (files.has(parts.slice(0, i).join('/'))) throw new BundleError(`${entry.path}: inside ${parts.slice(0, i).join('/')}, which is a file`);
  }
  return entries;
}

/** What the API shows of a bundle. */
export function describeBundle(archive: Uint8Array, entries: BundleEntry[], uploadedAt: Date): BundleInfo {
  return { sha256: bundleSha256(archive), size: archive.length, files: entries.filter((e) => e.kind === 'file').length, uploadedAt: uploadedAt.toISOString() };
}
