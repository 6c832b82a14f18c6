import fc from 'fast-check';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, pack, type Headers } from 'tar-stream';
import type { VolumeEntry } from '@stratos/iaas';
import { entryName, planRound, removedSince, volumeDelta, type VolumeManifest } from './volume-delta';

interface File {
  content: string;
  /** Epoch seconds. */
  mtime: number;
}
type Tree = Map<string, File>;

/** A volume as GNU tar writes it: `./`, then each folder before what is in it. */
function archiveOf(tree: Tree): Readable {
  const out = pack();
  const folders = new Set<string>();
  for (const name of tree.keys()) for (let at = name.indexOf('/'); at > 0; at = name.indexOf('/', at + 1)) folders.add(name.slice(0, at));
  out.entry({ name: './', type: 'directory', mode: 0o755, mtime: new Date(0) });
  for (const folder of [...folders].sort()) out.entry({ name: `./${folder}/`, type: 'directory', mode: 0o700, mtime: new Date(0) });
  for (const [name, file] of [...tree].sort(([a], [b]) => a.localeCompare(b))) out.entry({ name: `./${name}`, mode: 0o600, mtime: new Date(file.mtime * 1000) }, file.content);
  out.finalize();
  return out;
}

/** The tree as a folder's listing would say it (VolumeStore.list). */
function listingOf(tree: Tree): Map<string, VolumeEntry> {
  const listing = new Map<string, VolumeEntry>([['.', { type: 'directory', size: 0, mtimeS: 0, mode: 0o755, uid: 0, gid: 0, linkname: '' }]]);
  for (const [name, file] of tree) {
    for (let at = name.indexOf('/'); at > 0; at = name.indexOf('/', at + 1)) listing.set(name.slice(0, at), { type: 'directory', size: 0, mtimeS: 0, mode: 0o700, uid: 0, gid: 0, linkname: '' });
    listing.set(name, { type: 'file', size: Buffer.byteLength(file.content), mtimeS: file.mtime, mode: 0o600, uid: 0, gid: 0, linkname: '' });
  }
  return listing;
}

/** A round planned from a listing, reading only what it sends. */
function plannedRound(tree: Tree, previous: VolumeManifest | null, readFromS: number) {
  const plan = planRound(previous, listingOf(tree), readFromS);
  const sent = new Map(plan.send.map((name) => [name, tree.get(name)?.content ?? null]));
  return { sent, removed: plan.removed, manifest: plan.manifest };
}

/** Runs a round: what it sends (entry name → content; folders as null), and what it says was removed. */
async function round(tree: Tree, previous: VolumeManifest | null, readFromS: number) {
  const delta = volumeDelta(previous, readFromS);
  const sent = new Map<string, string | null>();
  const reading = extract();
  reading.on('entry', (header: Headers, stream: Readable, next: () => void) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      sent.set(entryName(header.name), header.type === 'directory' ? null : Buffer.concat(chunks).toString());
      next();
    });
  });
  await Promise.all([pipeline(archiveOf(tree), delta.input), pipeline(delta.output, reading)]);
  return { sent, ...(await delta.result) };
}

describe('volumeDelta', () => {
  const T = 1_000_000;

  it('sends everything the first time, then only what changed (and every folder), and says what went', async () => {
    const tree: Tree = new Map([
      ['base/1', { content: 'one', mtime: T - 100 }],
      ['base/2', { content: 'two', mtime: T - 100 }],
      ['wal/a', { content: 'aaaa', mtime: T - 100 }],
    ]);
    const first = await round(tree, null, T);
    expect([...first.sent.keys()]).toEqual(['.', 'base', 'wal', 'base/1', 'base/2', 'wal/a']);
    expect([first.entries, first.bytes, first.removed]).toEqual([6, 10, []]);

    tree.set('base/2', { content: 'TWO', mtime: T - 100 }); // same size, same old mtime: cannot be told apart (and never happens: a write moves the mtime)
    tree.set('wal/a', { content: 'aaab', mtime: T }); // written while the first round read: same size, mtime not older than its start
    tree.delete('base/1');
    tree.set('wal/b', { content: 'new', mtime: T + 5 });
    const second = await round(tree, first.manifest, T + 10);
    expect(second.sent).toEqual(new Map([['.', null], ['base', null], ['wal', null], ['wal/a', 'aaab'], ['wal/b', 'new']]));
    expect(second.removed).toEqual(['base/1']);

    const third = await round(tree, second.manifest, T + 20); // nothing since: folders only
    expect([...third.sent.values()].every((v) => v === null)).toBe(true);
  });

  it('names a removed folder, not what was in it', () => {
    const manifest: VolumeManifest = { entries: new Map(['.', 'a', 'a/b', 'a/b/c', 'd'].map((n) => [n, 'x'])), readFromS: 0 };
    expect(removedSince(manifest, new Map([['.', 'x'], ['d', 'x']]))).toEqual(['a']);
    expect(removedSince(null, new Map())).toEqual([]);
    expect(entryName('./')).toBe('.');
    expect(entryName('./a/b/')).toBe('a/b');
  });

  for (const way of ['archive', 'listing'] as const)
  it(`leaves the target equal to the source after any rounds of writes, removals and new files, rounds from ${way === 'archive' ? 'the whole archive' : 'a listing'} (property)`, async () => {
    const names = fc.constantFrom('a', 'b', 'c', 'd/e', 'd/f', 'g/h/i');
    const change = fc.oneof(fc.record({ kind: fc.constant('write' as const), name: names, content: fc.string({ maxLength: 6 }) }), fc.record({ kind: fc.constant('remove' as const), name: names }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(change, { maxLength: 5 }), { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 5, maxLength: 5 }), async (rounds, clockSteps) => {
        const source: Tree = new Map([['a', { content: 'start', mtime: T - 50 }]]);
        const target = new Map<string, string>();
        let now = T;
        let previous: VolumeManifest | null = null;
        for (const [i, changes] of [[], ...rounds].entries()) {
          // Writes happen at or after the start of the round that read before them: the file system's clock moves on.
          for (const c of changes) {
            if (c.kind === 'write') source.set(c.name, { content: c.content, mtime: now });
            else source.delete(c.name);
          }
          now += clockSteps[i % clockSteps.length];
          const result: { sent: Map<string, string | null>; removed: string[]; manifest: VolumeManifest } = way === 'archive' ? await round(source, previous, now) : plannedRound(source, previous, now);
          if (!previous) target.clear();
          for (const gone of result.removed) for (const name of [...target.keys()]) if (name === gone || name.startsWith(`${gone}/`)) target.delete(name);
          for (const [name, content] of result.sent) if (content !== null) target.set(name, content);
          previous = result.manifest;
        }
        expect(target).toEqual(new Map([...source].map(([name, file]) => [name, file.content])));
      }),
      { seed: 20261202, numRuns: 150 },
    );
  });
});
