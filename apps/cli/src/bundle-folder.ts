/**
 * A cartridge's folder as a bundle: `stratos cartridge add -f DIR` (DIR/cartridge.json and
 * the files beside it) or `--bundle DIR`. Packed and checked here with the server's own rules,
 * so a bad bundle is refused before anything is sent.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { BUNDLE_PARTS, BundleError, packBundle, readBundle, type BundleEntry } from '@stratos/contracts';
import { FileError } from './context';


export function hasBundleParts(dir: string): boolean {
  return BUNDLE_PARTS.some((part) => {
    try {
      return lstatSync(join(dir, part)).isDirectory();
    } catch {
      return false;
    }
  });
}

/** Packs DIR (without the files named in `exclude`, relative to DIR): regular files and folders only. */
export function packFolder(dir: string, exclude: string[] = []): Buffer {
  const entries: BundleEntry[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      const rel = relative(dir, path).split(sep).join('/');
      if (exclude.includes(rel)) continue;
      const stat = lstatSync(path);
      if (stat.isDirectory()) {
        entries.push({ path: rel, kind: 'dir', mode: stat.mode & 0o777 });
        walk(path);
      } else if (stat.isFile()) {
        entries.push({ path: rel, kind: 'file', mode: stat.mode & 0o777, content: readFileSync(path) });
      } else {
        throw new FileError(`${path}: not a regular file or folder (a bundle holds no links or devices)`);
      }
    }
  };
  try {
    walk(dir);
    const archive = packBundle(entries);
    readBundle(archive); // the server's own check
    return archive;
  } catch (error) {
    if (error instanceof BundleError) throw new FileError(`${dir}: ${error.message}`);
    throw error;
  }
}
