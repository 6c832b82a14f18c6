/** `stratos audit`: every write to the API — who, from where, what, when, the outcome (admin). */
import type { Command } from 'commander';
import type { AuditEntry } from '@stratos/contracts';
import { apiClient, outputFormat, UsageError, type GlobalOptions } from '../context';
import { printData, printTable } from '../output';

export function registerAudit(program: Command, globals: () => GlobalOptions): void {
  program
    .command('audit')
    .description('Every write to the API, newest first: who, from where, what, when, the outcome (admin)')
    .option('--actor <username>', 'only this user’s')
    .option('--since <time>', 'only from this time on (ISO 8601, or a duration back: 30m, 6h, 7d)')
    .option('--outcome <outcome>', 'ok | refused | failed')
    .option('--limit <n>', 'at most this many', '50')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .option('--json', 'same as -o json')
    .action(async (options: { actor?: string; since?: string; outcome?: string; limit: string; output?: string; json?: boolean }) => {
      const query = new URLSearchParams({ limit: options.limit });
      if (options.actor) query.set('actor', options.actor);
      if (options.outcome) query.set('outcome', options.outcome);
      if (options.since) query.set('since', sinceTime(options.since));
      const { body } = await apiClient(globals()).request<AuditEntry[]>('GET', `/audit?${query}`);
      printData(outputFormat(options), body, () =>
        printTable(
          ['WHEN', 'ACTOR', 'ADDRESS', 'METHOD', 'PATH', 'STATUS', 'OUTCOME', 'MS', 'REQUEST ID'],
          body.map((e) => [e.at, e.actor ?? '-', e.address, e.method, e.path, e.status, e.outcome, e.durationMs, e.requestId]),
        ),
      );
    });
}

/** "7d" → seven days ago; anything else is passed on as a time for the server to check. */
export function sinceTime(value: string): string {
  const duration = /^(\d+)([smhd])$/.exec(value);
  if (!duration) {
    if (Number.isNaN(new Date(value).getTime())) throw new UsageError(`--since must be a time (2026-12-01T10:00:00Z) or a duration back (30m, 6h, 7d), not "${value}"`);
    return value;
  }
  const unitMs = { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 }[duration[2] as 's' | 'm' | 'h' | 'd'];
  return new Date(Date.now() - Number(duration[1]) * unitMs).toISOString();
}
