import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { BUNDLE_LIMITS, BundleError, checkBundlePath, packBundle, readBundle, type BundleEntry } from './bundle-archive';

const file = (path: string, text: string, mode = 0o644): BundleEntry => ({ path, kind: 'file', mode, content: Buffer.from(text) });

/** A raw ustar header with any type flag and name, checksummed, for archives our packer would never write. */
function rawEntry(name: string, type: string, content = Buffer.alloc(0)): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0);
  block.write('0000644\0', 100);
  block.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
  block.fill(' ', 148, 156);
  block.write(type, 156);
  block.write('ustar\u000000', 257, 'binary');
  let sum = 0;
  for (const b of block) sum += b;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([block, content, Buffer.alloc((512 - (content.length % 512)) % 512)]);
}
const archiveOf = (...parts: Buffer[]) => gzipSync(Buffer.concat([...parts, Buffer.alloc(1024)]));

describe('bundle archives', () => {
  it('reads back what it packs: files, folders, modes and long paths', () => {
    const long = `confd/templates/${'a'.repeat(90)}/${'b'.repeat(60)}.tmpl`;
    const entries: BundleEntry[] = [
      { path: 'confd', kind: 'dir', mode: 0o755 },
      file('confd/conf.d/zoo.cfg.toml', '[template]\nsrc = "zoo.cfg.tmpl"\n'),
      file('provision/10-init.sh', '#!/bin/sh\necho hi\n', 0o755),
      file(long, '{{getv "/x"}}'),
      file('empty', ''),
    ];
    const back = readBundle(packBundle(entries));
    expect(back.map((e) => [e.path, e.kind, e.mode, e.content ? Buffer.from(e.content).toString() : null])).toEqual(
      entries.map((e) => [e.path, e.kind, e.mode, e.content ? Buffer.from(e.content).toString() : null]),
    );
  });

  it.each([
    ['/etc/passwd', /an absolute path/],
    ['../outside', /"\.\." would leave the bundle/],
    ['a/../../b', /"\.\." would leave the bundle/],
    ['a//b', /empty or "\." path segments/],
    ['./a', /empty or "\." path segments/],
    ['', /empty or NUL/],
    ['a\0b', /empty or NUL/],
  ])('refuses the path %j', (path, message) => {
    expect(() => checkBundlePath(path)).toThrow(message);
  });

  it.each([
    ['2', 'a symbolic link'],
    ['1', 'a hard link'],
    ['3', 'a device'],
    ['x', 'a pax header'],
  ])('refuses an entry of type %s (%s), naming it', (type, kind) => {
    expect(() => readBundle(archiveOf(rawEntry('confd/evil', type)))).toThrow(new RegExp(`confd/evil: ${kind}; a bundle holds regular files and folders only`));
  });

  it('refuses an archive whose entry climbs out, even if another tool wrote it', () => {
    expect(() => readBundle(archiveOf(rawEntry('../../etc/cron.d/x', '0', Buffer.from('x'))))).toThrow('../../etc/cron.d/x: ".." would leave the bundle');
  });

  it('refuses what is not a gzipped tar, truncated, damaged or too big, with the reason', () => {
    expect(() => readBundle(Buffer.from('hello'))).toThrow(/not a gzipped archive/);
    expect(() => readBundle(gzipSync(Buffer.from('x'.repeat(600))))).toThrow(/checksum/);
    expect(() => readBundle(gzipSync(rawEntry('a', '0', Buffer.from('hello'))))).toThrow(/without its end-of-archive blocks/);
    expect(() => readBundle(gzipSync(Buffer.alloc(BUNDLE_LIMITS.unpackedBytes + 1024 * 1024)))).toThrow(/unpacks to more than/);
    expect(() => readBundle(Buffer.alloc(BUNDLE_LIMITS.compressedBytes + 1))).toThrow(/over the limit/);
    expect(() => readBundle(archiveOf(rawEntry('a', '0', Buffer.from('x')), rawEntry('a/b', '0', Buffer.from('y'))))).toThrow('a/b: inside a, which is a file');
  });

  it('round-trips any set of safe entries (property)', () => {
    const segment = fc.stringMatching(/^[a-zA-Z0-9_-][a-zA-Z0-9_.-]{0,20}$/).filter((s) => s !== '..' && s !== '.');
    const entry = fc.record({ dirs: fc.array(segment, { maxLength: 4 }), name: segment, text: fc.string({ maxLength: 2000 }), mode: fc.constantFrom(0o644, 0o755, 0o600) });
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: (e) => [...e.dirs, e.name].join('/'), maxLength: 12 }), (specs) => {
        const paths = specs.map((s) => [...s.dirs, s.name].join('/'));
        // A file cannot also be a folder of another entry.
        fc.pre(!paths.some((p) => paths.some((q) => q.startsWith(`${p}/`))));
        const entries = specs.map((s, i) => file(paths[i], s.text, s.mode));
        const back = readBundle(packBundle(entries));
        expect(back.map((e) => [e.path, e.mode, Buffer.from(e.content!).toString()])).toEqual(entries.map((e) => [e.path, e.mode, Buffer.from(e.content!).toString()]));
      }),
      { seed: 8, numRuns: 200 },
    );
  });

  it('never fails on arbitrary bytes with anything but a BundleError (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.boolean(), (bytes, gzip) => {
        try {
          readBundle(gzip ? gzipSync(bytes) : bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(BundleError);
        }
      }),
      { seed: 8, numRuns: 500 },
    );
  });
});
