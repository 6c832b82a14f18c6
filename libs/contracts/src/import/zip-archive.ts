/**
 * A zip archive's files, read with bounds: what `POST /api/import` is sent (a Stratos folder,
 * zipped by the CLI, the console or the user). Stored and deflated entries, no encryption, no
 * ZIP64 (the limits are far below 4 GiB); every path relative and inside the folder; sizes and
 * CRCs checked; inflating stops at the limit whatever the archive claims (no zip bomb).
 */
import { crc32, inflateRawSync } from 'node:zlib';

export const IMPORT_LIMITS = {
  /** The archive as sent. */
  compressedBytes: 32 * 1024 * 1024,
  /** Everything in it, unpacked. */
  unpackedBytes: 128 * 1024 * 1024,
  entries: 20_000,
  pathBytes: 1024,
} as const;

/** What is wrong with an archive, naming the entry. */
export class ArchiveError extends Error {
  constructor(
    message: string,
    /** The entry's name, where one is at fault. */
    readonly entry?: string,
  ) {
    super(message);
  }
}

export interface ArchiveFile {
  /** Relative, `/`-separated, no `.` or `..` segments. */
  path: string;
  content: Buffer;
  /** Unix permission bits where the archive kept them (zipped on a Unix system), else null. */
  mode: number | null;
}

export interface ArchiveContents {
  files: ArchiveFile[];
  /** Folders named in the archive (also those holding nothing). */
  dirs: string[];
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** Refuses a name that could leave the folder, or name nothing. */
function checkPath(name: string): string {
  if (name === '' || name.includes('\0') || name.includes('\\')) throw new ArchiveError(`an entry has an empty name, or one with NUL or "\\"`, name);
  if (Buffer.byteLength(name) > IMPORT_LIMITS.pathBytes) throw new ArchiveError(`a path is longer than ${IMPORT_LIMITS.pathBytes} bytes`, name.slice(0, 60));
  const trimmed = name.replace(/\/+$/, '');
  if (trimmed.startsWith('/') || /^[a-zA-Z]:/.test(trimmed)) throw new ArchiveError('an absolute path; paths in the archive are relative', name);
  const segments = trimmed.split('/');
  if (segments.includes('..')) throw new ArchiveError('".." would leave the folder', name);
  if (segments.some((s) => s === '' || s === '.')) throw new ArchiveError('empty or "." path segments', name);
  return trimmed;
}

export function readZip(archive: Buffer): ArchiveContents {
  if (archive.length > IMPORT_LIMITS.compressedBytes) throw new ArchiveError(`the archive is larger than ${IMPORT_LIMITS.compressedBytes} bytes`);
  // The end-of-central-directory record: the last 22 bytes, or further back past a comment (at most 65,535 bytes).
  let end = -1;
  for (let at = archive.length - 22; at >= Math.max(0, archive.length - 22 - 0xffff); at--) {
    if (archive.readUInt32LE(at) === EOCD) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new ArchiveError('not a zip archive (no end of central directory)');
  const count = archive.readUInt16LE(end + 10);
  const directoryOffset = archive.readUInt32LE(end + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff) throw new ArchiveError('a ZIP64 archive; zip a smaller folder');
  if (count > IMPORT_LIMITS.entries) throw new ArchiveError(`more than ${IMPORT_LIMITS.entries} entries`);
  const files: ArchiveFile[] = [];
  const dirs: string[] = [];
  const seen = new Set<string>();
  let unpacked = 0;
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > archive.length || archive.readUInt32LE(at) !== CENTRAL) throw new ArchiveError(`the central directory is cut short at entry ${i + 1} of ${count}`);
    const flags = archive.readUInt16LE(at + 8);
    const method = archive.readUInt16LE(at + 10);
    const crc = archive.readUInt32LE(at + 16);
    const compressedSize = archive.readUInt32LE(at + 20);
    const size = archive.readUInt32LE(at + 24);
    const nameLength = archive.readUInt16LE(at + 28);
    const extraLength = archive.readUInt16LE(at + 30);
    const commentLength = archive.readUInt16LE(at + 32);
    const madeBy = archive.readUInt16LE(at + 4) >> 8;
    const external = archive.readUInt32LE(at + 38);
    const localOffset = archive.readUInt32LE(at + 42);
    if (at + 46 + nameLength > archive.length) throw new ArchiveError(`the central directory is cut short at entry ${i + 1} of ${count}`);
    const rawName = archive.subarray(at + 46, at + 46 + nameLength).toString(flags & 0x800 ? 'utf8' : 'latin1');
    at += 46 + nameLength + extraLength + commentLength;
    const path = checkPath(rawName);
    if (seen.has(path)) throw new ArchiveError('appears twice in the archive', path);
    seen.add(path);
    if (flags & 0x1) throw new ArchiveError('is encrypted; zip the folder without a password', path);
    const unixMode = madeBy === 3 ? (external >>> 16) & 0o7777 : null;
    const isDir = rawName.endsWith('/') || (unixMode !== null && ((external >>> 16) & 0o170000) === 0o040000);
    if (unixMode !== null && !isDir && ((external >>> 16) & 0o170000) !== 0o100000 && ((external >>> 16) & 0o170000) !== 0) throw new ArchiveError('is not a regular file or folder (a link or a device)', path);
    if (isDir) {
      dirs.push(path);
      continue;
    }
    if (localOffset + 30 > archive.length || archive.readUInt32LE(localOffset) !== LOCAL) throw new ArchiveError('its data is not where the directory says', path);
    const dataStart = localOffset + 30 + archive.readUInt16LE(localOffset + 26) + archive.readUInt16LE(localOffset + 28);
    if (dataStart + compressedSize > archive.length) throw new ArchiveError('its data is cut short', path);
    const data = archive.subarray(dataStart, dataStart + compressedSize);
    const budget = IMPORT_LIMITS.unpackedBytes - unpacked;
    if (size > budget) throw new ArchiveError(`the archive unpacks to more than ${IMPORT_LIMITS.unpackedBytes} bytes`, path);
    let content: Buffer;
    if (method === 0) content = Buffer.from(data);
    else if (method === 8) {
      try {
        // One byte more than it claims: an entry that inflates past its size is caught, not unpacked.
        content = inflateRawSync(data, { maxOutputLength: Math.max(1, size + 1) });
      } catch (error) {
        throw new ArchiveError(`cannot be inflated (${(error as Error).message})`, path);
      }
    } else throw new ArchiveError(`uses compression method ${method}; only stored (0) and deflated (8) are read`, path);
    if (content.length !== size) throw new ArchiveError(`unpacks to ${content.length} bytes, not the ${size} the archive says`, path);
    if ((crc32(content) >>> 0) !== crc) throw new ArchiveError('its CRC does not match: the archive is damaged', path);
    unpacked += size;
    files.push({ path, content, mode: unixMode === null ? null : unixMode & 0o777 });
  }
  return { files, dirs };
}
