import { stringify as toYaml } from 'yaml';
import type { FieldIssue } from '@stratos/contracts';

export type OutputFormat = 'table' | 'json' | 'yaml';
export const OUTPUT_FORMATS: OutputFormat[] = ['table', 'json', 'yaml'];

export function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}
export function err(line = ''): void {
  process.stderr.write(`${line}\n`);
}

export function printData(format: OutputFormat, data: unknown, table: () => void): void {
  if (format === 'json') out(JSON.stringify(data, null, 2));
  else if (format === 'yaml') process.stdout.write(toYaml(data));
  else table();
}

/** A plain text table, columns as wide as their widest cell. */
export function printTable(headers: string[], rows: (string | number | boolean | undefined | null)[][]): void {
  const cells = rows.map((row) => row.map((cell) => (cell === undefined || cell === null ? '' : String(cell))));
  const widths = headers.map((header, i) => Math.max(header.length, ...cells.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ');
  out(line(headers));
  for (const row of cells) out(line(row));
}

/** `path: message` per issue, as the API and the offline validator report them. */
export function printIssues(kind: 'error' | 'warning', issues: FieldIssue[], prefix = ''): void {
  for (const issue of issues) {
    const allowed = issue.allowed && !issue.message.includes('must be one of') ? ` (allowed: ${issue.allowed.join(', ')})` : '';
    err(`${prefix}${kind}: ${issue.path || '(document)'}: ${issue.message}${allowed}`);
  }
}
