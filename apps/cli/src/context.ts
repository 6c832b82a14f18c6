import { readFileSync } from 'node:fs';
import { describeJsonError } from '@stratos/contracts';
import { ApiClient } from './api-client';
import { DEFAULT_URL, readCliSettings } from './cli-config';
import { OUTPUT_FORMATS, type OutputFormat } from './output';

export interface GlobalOptions {
  url?: string;
  token?: string;
}

/** A usage mistake: exit code 2. */
export class UsageError extends Error {}

export function apiClient(options: GlobalOptions): ApiClient {
  const saved = readCliSettings();
  const url = options.url || process.env.STRATOS_URL || saved.url || DEFAULT_URL;
  const token = options.token || process.env.STRATOS_TOKEN || (saved.url === undefined || saved.url === url ? saved.token : undefined);
  return new ApiClient(url, token, trustedCertificate(url));
}

/** The certificate to trust for url: STRATOS_CA_CERT's file, else the one pinned at login to that URL. */
export function trustedCertificate(url: string): string | undefined {
  const file = process.env.STRATOS_CA_CERT;
  if (file) {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(`STRATOS_CA_CERT: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  const saved = readCliSettings();
  return saved.url === url ? saved.certificate : undefined;
}

export function outputFormat(options: { output?: string; json?: boolean }): OutputFormat {
  if (options.json) return 'json';
  const format = (options.output ?? 'table') as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format)) throw new UsageError(`-o must be one of ${OUTPUT_FORMATS.join(', ')}, not "${options.output}"`);
  return format;
}

/** Reads a JSON file; a parse failure names the file, line and column. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FileError(`${path}: ${describeJsonError(text, error as Error)}`);
  }
}

/** A file that is not what it should be: exit code 1. */
export class FileError extends Error {}

/** Everything on standard input, less one trailing newline (a password piped in). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
