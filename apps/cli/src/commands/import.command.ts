/**
 * `stratos import DIR --iaas FLAVOUR`: a whole Stratos samples folder, zipped and sent to
 * `POST /api/import`, which posts it in Stratos's order (libs/contracts import/stratos-folder.ts)
 * — the console imports through the same endpoint. The rows stream back as the server goes: a
 * progress bar, then the table and a summary.
 */
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { IMPORT_LIMITS, type ImportProgress, type ImportResult } from '@stratos/contracts';
import { ApiError } from '../api-client';
import { apiClient, FileError, outputFormat, UsageError, type GlobalOptions } from '../context';
import { err, printData, printTable } from '../output';

/** The folder as a zip: regular files and folders with their Unix modes; dot-files and dot-folders (.git) left out. */
export function zipFolder(dir: string): Uint8Array {
  const entries: Zippable = {};
  const walk = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      if (name.startsWith('.')) continue;
      const path = join(folder, name);
      const rel = relative(dir, path).split(sep).join('/');
      const stat = lstatSync(path);
      if (stat.isDirectory()) {
        entries[`${rel}/`] = [new Uint8Array(0), { os: 3, attrs: ((0o040000 | (stat.mode & 0o777)) << 16) >>> 0 }];
        walk(path);
      } else if (stat.isFile()) {
        entries[rel] = [readFileSync(path), { os: 3, attrs: ((0o100000 | (stat.mode & 0o777)) << 16) >>> 0 }];
      } else {
        throw new FileError(`${path}: not a regular file or folder (an import holds no links or devices)`);
      }
    }
  };
  walk(dir);
  const archive = zipSync(entries, { level: 6 });
  if (archive.length > IMPORT_LIMITS.compressedBytes) throw new FileError(`${dir}: zipped, it is ${archive.length} bytes, more than an import takes (${IMPORT_LIMITS.compressedBytes})`);
  return archive;
}

/** Reads newline-delimited JSON from a stream, one value at a time. */
async function* lines<T>(stream: ReadableStream<Uint8Array>): AsyncGenerator<T> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.trim()) yield JSON.parse(line) as T;
    }
  }
}

export function registerImport(program: Command, globals: () => GlobalOptions): void {
  program
    .command('import')
    .description("Post a Stratos samples folder in Stratos's order: policies, partitions, cartridges, groups, applications, then sign-ups and domain mappings of deployed ones (--tenant)")
    .argument('<dir>', 'a folder laid out as Stratos samples/')
    .requiredOption('--iaas <flavour>', 'which cartridges/<iaas> and network-partitions/<iaas> to take (mock, ec2, openstack, …)')
    .option('--strict', 'warnings are errors')
    .option('--tenant <domain>', "whose the folder's application-signup.json and domain-mappings.json are (platform admin; a tenant's admin: its own); their applications must be deployed")
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .option('--json', 'same as -o json')
    .action(async (dir: string, options: { iaas: string; strict?: boolean; tenant?: string; output?: string; json?: boolean }) => {
      const format = outputFormat(options);
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a folder`);
      const archive = zipFolder(dir);
      const query = new URLSearchParams({ iaas: options.iaas, ...(options.strict ? { strict: 'true' } : {}), ...(options.tenant ? { tenant: options.tenant } : {}) });
      const client = apiClient(globals());
      const bar = new SingleBar({ format: 'importing [{bar}] {value}/{total} {file}', stream: process.stderr, hideCursor: true, noTTYOutput: false, clearOnComplete: true });
      const tty = process.stderr.isTTY;
      let result: ImportResult | null = null;
      let stream: ReadableStream<Uint8Array>;
      try {
        stream = await client.stream(`/import?${query}`, AbortSignal.timeout(600_000), { method: 'POST', accept: 'application/x-ndjson', body: archive, contentType: 'application/zip' });
      } catch (error) {
        // A folder that is no Stratos folder for the flavour, or a bad archive: the server's words.
        if (error instanceof ApiError && error.status === 400) throw new UsageError(`${dir}: ${error.message}`);
        throw error;
      }
      let done = 0;
      for await (const progress of lines<ImportProgress | { type: 'failed'; error: { statusCode: number; message: string } }>(stream)) {
        if (progress.type === 'planned') {
          for (const note of progress.notes) err(`note: ${note}`);
          if (tty) bar.start(progress.total, 0, { file: '' });
        } else if (progress.type === 'row') {
          if (tty) bar.update(++done, { file: progress.row.file });
        } else if (progress.type === 'done') {
          result = progress.result;
        } else {
          if (tty) bar.stop();
          throw new ApiError(`the import stopped: ${progress.error.message}`, progress.error.statusCode);
        }
      }
      if (tty) bar.stop();
      if (!result) throw new ApiError('the import ended without its result (the connection was cut?); what was imported stays: run it again, what exists is skipped', 0);
      const { summary, items } = result;
      printData(format, { summary, items }, () => {
        printTable(['FILE', 'KIND', 'ID', 'RESULT', 'DETAIL'], items.map((r) => [r.file, r.kind, r.id, r.outcome, r.detail]));
        err(`\n${summary.created} created, ${summary.skipped} skipped, ${summary.refused} refused`);
      });
      if (summary.refused > 0) process.exitCode = 1;
    });
}
