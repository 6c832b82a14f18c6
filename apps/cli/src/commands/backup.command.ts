/**
 * `stratos backup` and `stratos restore`: the database and the secrets of a STRATOS_HOME, on the
 * platform's host (they read the data, not the API). A backup of a running platform is one
 * consistent snapshot; a restore goes into a new STRATOS_HOME, whose first start finds every
 * definition and deployment again (and launches the members the new machine does not have).
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, createGzip } from 'node:zlib';
import type { Command } from 'commander';
import { err, out } from '../output';
import { UsageError } from '../context';

/** The lines of a stream, pulled as they are read (readline's iterator drops what arrives while its reader awaits something else). */
async function* linesOf(stream: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8'); // a character split between two chunks stays whole
  let rest = '';
  for await (const chunk of stream) {
    const text = rest + decoder.write(chunk);
    const lines = text.split('\n');
    rest = lines.pop()!;
    yield* lines;
  }
  if (rest) yield rest;
}

const homeOf = (option?: string) => resolve(option ?? process.env.STRATOS_HOME ?? '.stratos');

export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description("Back up a STRATOS_HOME's database and secrets to a file (on the platform's host; the platform may keep running)")
    .option('--home <dir>', 'the STRATOS_HOME (default: $STRATOS_HOME, else ./.stratos); DATABASE_URL: an external database instead of its embedded one')
    .option('--out <file>', 'where to write it (default: stratos-backup-<time>.gz); never overwritten')
    .action(async (options: { home?: string; out?: string }) => {
      const { backupDatabase } = await import('@stratos/persistence');
      const { HOME_BACKUP_FILES, withHomeDatabase } = await import('@stratos/runtime');
      const home = homeOf(options.home);
      const file = resolve(options.out ?? `stratos-backup-${new Date().toISOString().replace(/[:.]/g, '-')}.gz`);
      if (existsSync(file)) throw new UsageError(`${file} exists: a backup never overwrites; choose another --out`);
      const files: { name: string; content: Buffer }[] = [];
      for (const name of HOME_BACKUP_FILES) if (existsSync(join(home, name))) files.push({ name, content: await readFile(join(home, name)) });
      const started = Date.now();
      const gzip = createGzip();
      const sink = createWriteStream(file, { mode: 0o600, flags: 'wx' });
      gzip.pipe(sink);
      let lines = 0;
      const write = (line: string) => {
        lines += 1;
        if (lines % 5000 === 0) err(`  ${lines} lines…`);
        if (!gzip.write(`${line}\n`)) return new Promise<void>((r) => gzip.once('drain', () => r()));
      };
      const run = (url: string, how: string) => backupDatabase(url, files, write).then((manifest) => ({ manifest, how }));
      const { manifest, how } = process.env.DATABASE_URL ? await run(process.env.DATABASE_URL, 'DATABASE_URL') : await withHomeDatabase(home, (url, state) => run(url, state === 'running' ? 'the running platform' : 'its stopped database, started for this'));
      gzip.end();
      await finished(sink);
      const total = Object.values(manifest.rows).reduce((a, b) => a + b, 0);
      err(`backed up ${home} (${how}) in ${((Date.now() - started) / 1000).toFixed(1)} s: ${total} rows in ${Object.keys(manifest.rows).length} tables, ${manifest.files.length} file(s) of the home`);
      err(`it holds the platform's keys (${manifest.files.join(', ') || 'none'}): keep it as you keep STRATOS_HOME (written 0600)`);
      out(file);
    });

  program
    .command('restore')
    .description('Restore a backup into a new STRATOS_HOME (then npm start there); with DATABASE_URL, into an empty, migrated external database')
    .argument('<file>', 'a file stratos backup wrote')
    .option('--home <dir>', 'the new STRATOS_HOME (default: $STRATOS_HOME, else ./.stratos); it must not hold a database yet')
    .action(async (input: string, options: { home?: string }) => {
      const { Database, restoreDatabase } = await import('@stratos/persistence');
      const { withNewHomeDatabase } = await import('@stratos/runtime');
      const home = homeOf(options.home);
      if (!existsSync(input)) throw new UsageError(`${input}: no such file`);
      const started = Date.now();
      const load = async (url: string) => {
        const migrated = await Database.open({ url, applicationName: 'stratos-restore' }); // the schema this version has
        await migrated.close();
        return restoreDatabase(url, linesOf(createReadStream(input).pipe(createGunzip())));
      };
      await mkdir(home, { recursive: true });
      await chmod(home, 0o755); // as npm start makes it: the postgres user walks through it
      const { manifest, files } = process.env.DATABASE_URL ? await load(process.env.DATABASE_URL) : await withNewHomeDatabase(home, load);
      for (const file of files) {
        await mkdir(dirname(join(home, file.name)), { recursive: true, mode: 0o700 }); // tls/
        await writeFile(join(home, file.name), file.content, { mode: 0o600 });
      }
      const total = Object.values(manifest.rows).reduce((a, b) => a + b, 0);
      err(`restored the backup of ${manifest.createdAt} into ${home} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${total} rows, ${files.length} file(s) of the home`);
      out(`Next: STRATOS_HOME=${home} npm start   (deployed applications get their members again on this machine)`);
    });
}
