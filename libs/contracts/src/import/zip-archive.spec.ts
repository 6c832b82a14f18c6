import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { zipSync, type Zippable } from 'fflate';
import { ArchiveError, readZip } from './zip-archive';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('readZip', () => {
  it('reads what a zip tool wrote: files, folders, Unix modes', () => {
    const archive = Buffer.from(zipSync({ 'samples/': [new Uint8Array(0), {}], 'samples/a.json': bytes('{"id":"a"}'), 'samples/provision/run.sh': [bytes('echo hi'), { os: 3, attrs: (0o100755 << 16) >>> 0 }] } as Zippable));
    const { files, dirs } = readZip(archive);
    expect(dirs).toEqual(['samples']);
    expect(files.map((f) => [f.path, f.content.toString(), f.mode])).toEqual([
      ['samples/a.json', '{"id":"a"}', null],
      ['samples/provision/run.sh', 'echo hi', 0o755],
    ]);
  });

  it('reads back any folder zipped, stored or deflated (property)', () => {
    const name = fc.stringMatching(/^[a-z0-9_-]{1,8}(\.json)?$/);
    const folder = fc.dictionary(fc.array(name, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/')), fc.uint8Array({ maxLength: 2000 }), { maxKeys: 12 });
    fc.assert(
      fc.property(folder, fc.constantFrom(0, 6, 9), (entries, level) => {
        // A path that is also another's folder cannot be both in a real folder.
        const paths = Object.keys(entries).filter((p, _, all) => !all.some((q) => q.startsWith(`${p}/`)));
        const archive = Buffer.from(zipSync(Object.fromEntries(paths.map((p) => [p, entries[p]])), { level: level as 0 | 6 | 9 }));
        const { files } = readZip(archive);
        expect(Object.fromEntries(files.map((f) => [f.path, [...f.content]]))).toEqual(Object.fromEntries(paths.map((p) => [p, [...entries[p]]])));
      }),
      { seed: 14, numRuns: 200 },
    );
  });

  it('refuses paths that leave the folder, links, and damaged or lying entries, naming the entry', () => {
    const refusal = (archive: Uint8Array) => {
      try {
        readZip(Buffer.from(archive));
      } catch (error) {
        expect(error).toBeInstanceOf(ArchiveError);
        return `${(error as ArchiveError).entry ?? ''}: ${(error as Error).message}`;
      }
      throw new Error('it was read');
    };
    expect(refusal(zipSync({ '../etc/passwd': bytes('x') }))).toMatch(/^\.\.\/etc\/passwd: ".." would leave/);
    expect(refusal(zipSync({ '/abs.json': bytes('x') }))).toMatch(/absolute path/);
    expect(refusal(zipSync({ link: [bytes('target'), { os: 3, attrs: (0o120777 << 16) >>> 0 }] } as Zippable))).toMatch(/^link: is not a regular file/);
    expect(refusal(bytes('not a zip at all, just text that is long enough'))).toMatch(/not a zip archive/);
    // An entry whose CRC was changed after it was written.
    const damaged = zipSync({ 'a.json': bytes('{"a":1}') }, { level: 0 });
    damaged[damaged.length - 22 - 46 - 5 + 16] ^= 0xff; // the central directory's CRC of the one entry
    expect(refusal(damaged)).toMatch(/^a\.json: its CRC does not match/);
  });

  it('stops inflating at the size the archive claims (a zip bomb is refused, not unpacked)', () => {
    const archive = zipSync({ 'big.json': new Uint8Array(1_000_000) }, { level: 9 });
    // Claim 10 bytes in the central directory: inflating past them fails.
    const view = Buffer.from(archive);
    const central = view.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    view.writeUInt32LE(10, central + 24);
    expect(() => readZip(view)).toThrow(ArchiveError);
  });

  it('never throws anything but an ArchiveError, whatever the bytes (property)', () => {
    const base = Buffer.from(zipSync({ 'a/b.json': bytes('{"x":1}'), 'c.json': bytes('[]') }));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), (edits) => {
        const copy = Buffer.from(base);
        for (const [at, value] of edits) copy[at] = value;
        try {
          readZip(copy);
        } catch (error) {
          expect(error).toBeInstanceOf(ArchiveError);
        }
      }),
      { seed: 14, numRuns: 1000 },
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (random) => void expect(() => { try { readZip(Buffer.from(random)); } catch (e) { if (!(e instanceof ArchiveError)) throw e; } }).not.toThrow()), { seed: 14, numRuns: 300 });
  });
});
