import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { LocalImageStore, treeDigest } from './local-images';

describe('local images (directory trees)', () => {
  let work: string;
  let source: string;

  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'local-images-'));
    source = join(work, 'rootfs');
    await mkdir(join(source, 'bin'), { recursive: true });
    await writeFile(join(source, 'bin', 'hello'), '#!/bin/sh\necho hello\n', { mode: 0o755 });
    await symlink('hello', join(source, 'bin', 'hi'));
    await mkdir(join(source, 'www'));
    await writeFile(join(source, 'www', 'index.html'), 'page\n');
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  it('digests content, modes and links: the same tree the same id, any change another', async () => {
    const first = await treeDigest(source);
    expect(first.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.sizeBytes).toBe(Buffer.byteLength('#!/bin/sh\necho hello\n') + Buffer.byteLength('page\n'));
    expect((await treeDigest(source)).id).toBe(first.id);
    await chmod(join(source, 'www', 'index.html'), 0o600);
    const moded = await treeDigest(source);
    expect(moded.id).not.toBe(first.id);
    await writeFile(join(source, 'www', 'index.html'), 'PAGE\n', { mode: 0o600 });
    expect((await treeDigest(source)).id).not.toBe(moded.id); // same size, other bytes
  });

  it('takes a folder in under a name, copies it to another store whole, and removes it', async () => {
    const home = new LocalImageStore(join(work, 'home', 'images'));
    const west = new LocalImageStore(join(work, 'west', 'images'));
    const taken = await home.import(source, 'web:1');
    expect(await home.inspect('web:1')).toEqual(taken);
    expect(home.treeOf('web:1')).toBe(join(work, 'home', 'images', encodeURIComponent('web:1'), 'tree'));
    expect(await home.inspect('web:2')).toBeNull();
    expect(home.treeOf('/etc')).toBeNull(); // not a name: never a path

    await west.load(await home.save('web:1'));
    expect(await west.inspect('web:1')).toEqual(taken);
    expect(readFileSync(join(west.treeOf('web:1')!, 'www', 'index.html'), 'utf8')).toBe('page\n');
    await west.remove('web:1');
    expect(await west.inspect('web:1')).toBeNull();
    expect(existsSync(join(work, 'west', 'images', encodeURIComponent('web:1')))).toBe(false);
  });

  it('refuses a copy whose tree is not the one its record names, and keeps nothing of it', async () => {
    const home = new LocalImageStore(join(work, 'home', 'images'));
    const west = new LocalImageStore(join(work, 'west', 'images'));
    await home.import(source, 'web:1');
    // The record of another tree: as if bytes had changed on the way.
    await writeFile(join(work, 'home', 'images', encodeURIComponent('web:1'), 'image.json'), JSON.stringify({ ref: 'web:1', id: `sha256:${'0'.repeat(64)}`, sizeBytes: 1 }));
    await expect(west.load(await home.save('web:1'))).rejects.toThrow(/arrived as sha256:[0-9a-f]{64}, not sha256:0+: the copy is not the image/);
    expect(await west.inspect('web:1')).toBeNull();
    // A stream that is no image at all.
    const junk = new PassThrough();
    junk.end('not a tar');
    await expect(west.load(junk)).rejects.toThrow();
    await expect(west.load(Readable.from([]))).rejects.toThrow();
    expect(existsSync(join(work, 'west', 'images')) ? (await import('node:fs')).readdirSync(join(work, 'west', 'images')) : []).toEqual([]);
  });

  it('refuses to take in what is not a folder', async () => {
    const home = new LocalImageStore(join(work, 'home', 'images'));
    await expect(home.import(join(source, 'www', 'index.html'), 'web:1')).rejects.toThrow(/is not a folder/);
    await expect(home.import(join(work, 'nothing'), 'web:1')).rejects.toThrow(/is not a folder/);
  });
});
