/**
 * The rounds of a live migration's copy: a volume's tar stream in, only what changed since the
 * round before out. Pure stream logic (no engine, no folder), unit-tested beside it.
 *
 * Where the source lists its volume cheaply (a folder: VolumeStore.list), a round is planned from
 * that listing and reads only what it sends (planRound); otherwise the whole archive is read and
 * filtered (volumeDelta). A round remembers each entry's identity (type, size, mtime, mode, owner, link target) and when
 * its read began. An entry is sent again when it is new, its identity differs, or its mtime is not
 * older than the previous round's start (less a margin): a file written while or after that round
 * read it may have kept its size and, at tar's one-second resolution, its mtime. What the
 * previous round listed and this one does not is removed on the target. Directories are always
 * sent: they are a header each, and carry modes and owners.
 */
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { extract, pack, type Headers } from 'tar-stream';
import type { VolumeEntry } from '@stratos/iaas';

export interface VolumeManifest {
  /** Entry name (`a/b`, `.` for the volume's root) → its identity. */
  entries: Map<string, string>;
  /** When this round's read began, in epoch seconds. */
  readFromS: number;
}

/** Slack for tar's whole-second mtimes and for two engines' clocks. */
export const MTIME_MARGIN_S = 2;

/** `./a/b/` → `a/b`; the root (`./`) → `.`. */
export function entryName(name: string): string {
  const trimmed = name.replace(/^(\.\/)+/, '').replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed === '' || trimmed === '.' ? '.' : trimmed;
}

/** What tells an entry's version: a tar header's fields, or a listing's. */
type EntryHeader = { type?: string | null; size?: number; mtime?: Date; mode?: number; uid?: number; gid?: number; linkname?: string | null };

export function entryIdentity(header: EntryHeader): string {
  return [header.type ?? 'file', header.size ?? 0, mtimeS(header), header.mode ?? 0, header.uid ?? 0, header.gid ?? 0, header.linkname ?? ''].join(':');
}

const mtimeS = (header: EntryHeader) => Math.floor((header.mtime?.getTime() ?? 0) / 1000);

/** Whether an entry goes in this round (see the file's comment). */
export function isChanged(previous: VolumeManifest | null, name: string, header: EntryHeader): boolean {
  if (!previous || header.type === 'directory') return true;
  if (previous.entries.get(name) !== entryIdentity(header)) return true;
  return mtimeS(header) >= previous.readFromS - MTIME_MARGIN_S;
}

/** Names the previous round had that this one has not, parents before their children are left out (removing a folder removes them). */
export function removedSince(previous: VolumeManifest | null, now: Map<string, string>): string[] {
  if (!previous) return [];
  const gone = [...previous.entries.keys()].filter((name) => name !== '.' && !now.has(name)).sort();
  return gone.filter((name, i) => !gone.slice(0, i).some((parent) => name.startsWith(`${parent}/`)));
}

export interface RoundResult {
  manifest: VolumeManifest;
  removed: string[];
  /** Entries sent, and the bytes of their contents. */
  entries: number;
  bytes: number;
}

/**
 * Pipe a volume's tar stream into `input`; `output` is a tar stream of what changed since
 * `previous` (all of it where there is none); `result` settles once the input has been read.
 * `readFromS` is when the read of `input` began.
 */
export function volumeDelta(previous: VolumeManifest | null, readFromS: number): { input: Writable; output: Readable; result: Promise<RoundResult> } {
  const source = extract();
  const out = pack();
  const output = new PassThrough();
  out.pipe(output);
  const entries = new Map<string, string>();
  let sent = 0;
  let bytes = 0;
  const result = new Promise<RoundResult>((resolve, reject) => {
    source.on('entry', (header: Headers, stream: Readable, next: (error?: unknown) => void) => {
      const name = entryName(header.name);
      entries.set(name, entryIdentity(header));
      if (!isChanged(previous, name, header)) {
        stream.on('end', () => next());
        stream.resume();
        return;
      }
      sent++;
      bytes += header.size ?? 0;
      stream.pipe(out.entry(header, (error) => next(error ?? undefined)));
    });
    source.on('finish', () => {
      out.finalize();
      resolve({ manifest: { entries, readFromS }, removed: removedSince(previous, entries), entries: sent, bytes });
    });
    source.on('error', (error: Error) => {
      output.destroy(error);
      reject(error);
    });
  });
  result.catch(() => undefined); // the caller awaits it; a failed read also fails the write it feeds
  return { input: source, output, result };
}

/** A round from a listing: the entries to read and send (every folder, and what changed), what went, and the manifest it leaves. */
export function planRound(previous: VolumeManifest | null, listing: Map<string, VolumeEntry>, readFromS: number): { send: string[]; removed: string[]; manifest: VolumeManifest; bytes: number } {
  const entries = new Map<string, string>();
  const send: string[] = [];
  let bytes = 0;
  for (const [name, entry] of listing) {
    const header = { ...entry, mtime: new Date(entry.mtimeS * 1000) };
    entries.set(name, entryIdentity(header));
    if (!isChanged(previous, name, header)) continue;
    send.push(name);
    bytes += entry.size;
  }
  return { send, removed: removedSince(previous, entries), manifest: { entries, readFromS }, bytes };
}

/** An archive with nothing in it (a write that only removes). */
export function emptyArchive(): Readable {
  const out = pack();
  out.finalize();
  return out;
}
