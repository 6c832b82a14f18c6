/**
 * The local driver's images: an image is a directory tree — a root file system (a
 * `debootstrap`ed Debian, a busybox tree, an exported container) — kept in the region's folder
 * under its name (`images/<name:tag>/tree`). A member of a cartridge whose image is one of them
 * sees the tree's system folders instead of the host's (member-sandbox.ts), as a container sees
 * its image's.
 *
 * The id of an image is the digest of its content: every entry's path, type, mode, owner, size,
 * mtime and link target, and every file's bytes, in path order. A copy to another region (a tar
 * stream: `image.json` first, then the tree) is digested again on arrival and refused where it
 * differs, so a copy is checked whole, as a docker load checks a layer.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { LOCAL_IMAGE_REFERENCE_PATTERN } from '@stratos/contracts';
import type { ImageStore } from '../iaas-driver';


interface ImageRecord {
  ref: string;
  id: string;
  sizeBytes: number;
}

/** A directory tree's content digest (sha256:…) and the bytes of its files. */
export async function treeDigest(root: string): Promise<{ id: string; sizeBytes: number }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const visit = async (relative: string): Promise<void> => {
    const path = relative ? join(root, relative) : root;
    const stat = lstatSync(path);
    const type = stat.isDirectory() ? 'd' : stat.isFile() ? 'f' : stat.isSymbolicLink() ? 'l' : 'o';
    const link = type === 'l' ? readlinkSync(path) : '';
    hash.update(`${relative || '.'}\0${type}\0${(stat.mode & 0o7777).toString(8)}\0${stat.uid}:${stat.gid}\0${type === 'f' ? stat.size : 0}\0${Math.floor(stat.mtimeMs / 1000)}\0${link}\n`);
    if (type === 'f') {
      sizeBytes += stat.size;
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    }
    if (type === 'd') for (const name of readdirSync(path).sort()) await visit(relative ? `${relative}/${name}` : name);
  };
  await visit('');
  return { id: `sha256:${hash.digest('hex')}`, sizeBytes };
}

function run(command: string, args: string[], input?: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [input ? 'pipe' : 'ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args[0]}: ${stderr.trim() || `exit code ${code}`}`))));
    if (input) {
      input.on('error', (error) => {
        child.kill();
        reject(error);
      });
      child.stdin!.on('error', () => undefined); // the process's own failure says why
      input.pipe(child.stdin!);
    }
  });
}

export class LocalImageStore implements ImageStore {
  constructor(private readonly imagesDir: string) {}

  static isRef(ref: string): boolean {
    return LOCAL_IMAGE_REFERENCE_PATTERN.test(ref);
  }

  /** The folder of an image (`name:tag`), where the tree and its record are. */
  private dirOf(ref: string): string {
    if (!LocalImageStore.isRef(ref)) throw new Error(`"${ref}" is not a local image name (name:tag)`);
    return join(this.imagesDir, encodeURIComponent(ref));
  }

  async inspect(ref: string): Promise<{ id: string; sizeBytes: number } | null> {
    if (!LocalImageStore.isRef(ref)) return null;
    try {
      const record = JSON.parse(await readFile(join(this.dirOf(ref), 'image.json'), 'utf8')) as ImageRecord;
      return { id: record.id, sizeBytes: record.sizeBytes };
    } catch {
      return null;
    }
  }

  /** The image's tree, or null where this region has no image of that name. */
  treeOf(ref: string): string | null {
    if (!LocalImageStore.isRef(ref)) return null;
    const dir = this.dirOf(ref);
    return existsSync(join(dir, 'image.json')) ? join(dir, 'tree') : null;
  }

  /** A host folder taken in as an image of this region (copied: the operator's folder stays as it is). */
  async import(source: string, ref: string): Promise<{ id: string; sizeBytes: number }> {
    if (!existsSync(source) || !lstatSync(source).isDirectory()) throw new Error(`${source} is not a folder`);
    const staging = await this.staging();
    try {
      await mkdir(join(staging, 'tree'));
      // Owners, modes, times and links as they are: the digest covers them.
      await run('cp', ['-a', '--', `${source}/.`, join(staging, 'tree')]);
      const found = await treeDigest(join(staging, 'tree'));
      await this.commit(staging, { ref, ...found });
      return found;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  async save(ref: string): Promise<NodeJS.ReadableStream> {
    const dir = this.dirOf(ref);
    if (!existsSync(join(dir, 'image.json'))) throw new Error(`no local image ${ref} here`);
    const tar = spawn('tar', ['-C', dir, '--numeric-owner', '--sort=name', '-cf', '-', 'image.json', 'tree'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    tar.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Read at once into a stream of our own: a child's stdout that nobody reads when it exits is drained and lost (Node's flushStdio).
    const out = new PassThrough();
    tar.stdout.pipe(out, { end: false });
    tar.on('close', (code) => {
      if (code === 0) out.end();
      else out.destroy(new Error(`tar of image ${ref}: ${stderr.trim() || `exit code ${code}`}`));
    });
    return out;
  }

  /** Unpacks beside, digests the tree, and takes it in only where the digest is the one its record says. */
  async load(tar: NodeJS.ReadableStream): Promise<void> {
    const staging = await this.staging();
    try {
      await run('tar', ['-C', staging, '--numeric-owner', '--same-permissions', '-xf', '-'], tar as Readable);
      const record = JSON.parse(await readFile(join(staging, 'image.json'), 'utf8')) as ImageRecord;
      if (!LocalImageStore.isRef(record.ref) || !existsSync(join(staging, 'tree'))) throw new Error('the stream is not a local image (image.json and tree/)');
      const found = await treeDigest(join(staging, 'tree'));
      if (found.id !== record.id) throw new Error(`image ${record.ref} arrived as ${found.id}, not ${record.id}: the copy is not the image`);
      await this.commit(staging, record);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  async remove(ref: string): Promise<void> {
    if (!LocalImageStore.isRef(ref)) return;
    const dir = this.dirOf(ref);
    if (!existsSync(dir)) return;
    // Renamed first: a half-removed tree is never found by its name.
    const gone = join(this.imagesDir, `.removing-${randomBytes(6).toString('hex')}`);
    await rename(dir, gone);
    await rm(gone, { recursive: true, force: true });
  }

  private async staging(): Promise<string> {
    const dir = join(this.imagesDir, `.incoming-${randomBytes(6).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** The staged image under its name: the record written last, then one rename (a reader sees the old image or the new one). */
  private async commit(staging: string, record: ImageRecord): Promise<void> {
    await writeFile(join(staging, 'image.json'), JSON.stringify(record));
    const dir = this.dirOf(record.ref);
    if (existsSync(dir)) await this.remove(record.ref);
    await rename(staging, dir);
    await mkdir(staging); // the caller's finally removes it
  }
}
