/**
 * `stratos member logs M [-f]`: what a member's agent and workload wrote, for debugging it;
 * `stratos member migrate M --to P`: the member moved to another partition, its progress shown.
 */
import type { Command } from 'commander';
import type { MemberLogs, MemberMigrationView } from '@stratos/contracts';
import { ApiError } from '../api-client';
import { apiClient, outputFormat, UsageError, type GlobalOptions } from '../context';
import { err, out, printData } from '../output';

export function registerMember(program: Command, globals: () => GlobalOptions): void {
  const member = program.command('member').alias('members').description('One member of a deployed application');
  member
    .command('logs')
    .description("What the member's agent and workload wrote; -f follows it until the member is gone or Ctrl-C")
    .argument('<member-id>')
    .option('-f, --follow', 'keep printing what it writes')
    .option('--tail <bytes>', 'how much of the end to show first', '16384')
    .action(async (memberId: string, options: { follow?: boolean; tail: string }) => {
      if (!/^\d+$/.test(options.tail)) throw new UsageError(`--tail must be a number of bytes, not "${options.tail}"`);
      const client = apiClient(globals());
      const path = `/members/${encodeURIComponent(memberId)}/logs`;
      let { body } = await client.request<MemberLogs>('GET', `${path}?tail=${options.tail}`);
      process.stdout.write(body.text);
      while (options.follow) {
        await new Promise((r) => setTimeout(r, 1000));
        try {
          ({ body } = await client.request<MemberLogs>('GET', `${path}?cursor=${body.cursor}`));
        } catch (error) {
          if (error instanceof ApiError && error.status === 404) return; // the member is gone: so is its log
          throw error;
        }
        process.stdout.write(body.text);
      }
    });
  member
    .command('migrate')
    .description("Move a member to another partition of its deployment policy (another region of the same driver too), with the same id, slot, metadata and data: cold, it stops, its volumes' data is copied, it starts there; live (to another region), its data is copied while it serves, then it is frozen for the last changes and switched to the target. The downtime (live: the freeze) is printed")
    .argument('<member-id>')
    .requiredOption('--to <partition>', 'PARTITION, or NETWORK_PARTITION/PARTITION')
    .option('--cold', 'stop, copy, start')
    .option('--live', "keep serving while the data moves; frozen only for the last changes and the target's start")
    .option('--no-wait', 'return once it started; GET /api/migrations/{id} or stratos topology watch follows it')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .option('--json', 'same as -o json')
    .action(async (memberId: string, options: { to: string; cold?: boolean; live?: boolean; wait: boolean; output?: string; json?: boolean }) => {
      if (options.cold && options.live) throw new UsageError('--cold or --live, not both');
      const client = apiClient(globals());
      let { body: migration } = await client.request<MemberMigrationView>('POST', `/members/${encodeURIComponent(memberId)}/migrate`, { to: options.to, ...(options.live ? { mode: 'live' } : options.cold ? { mode: 'cold' } : {}) }); // neither: the cartridge's migration.mode
      const where = (m: MemberMigrationView) => `${m.to.networkPartitionId}/${m.to.partitionId} (${m.to.driver})`;
      if (!options.wait) return printData(outputFormat(options), migration, () => out(`migrating ${memberId} to ${where(migration)} (migration ${migration.migrationId})`));
      err(`migrating ${memberId} from ${migration.from.networkPartitionId}/${migration.from.partitionId} (${migration.from.driver}) to ${where(migration)} (migration ${migration.migrationId})`);
      const started = Date.now();
      let said = '';
      while (migration.phase !== 'Done' && migration.phase !== 'Failed') {
        const rounds = migration.mode === 'live' && migration.rounds > 0 ? `, round ${migration.rounds}` : '';
        const line = `  ${migration.phase}${migration.phase === 'Copying' || migration.phase === 'Freezing' ? ` ${(migration.copiedBytes / 1e6).toFixed(1)} MB${rounds}` : ''} … ${((Date.now() - started) / 1000).toFixed(0)} s`;
        const step = `${migration.phase}${rounds}`;
        if (process.stderr.isTTY) process.stderr.write(`\r${line.padEnd(said.length)}`);
        else if (step !== said) err(line);
        said = process.stderr.isTTY ? line : step;
        await new Promise((r) => setTimeout(r, 250));
        migration = (await client.request<MemberMigrationView>('GET', `/migrations/${migration.migrationId}`)).body;
      }
      if (process.stderr.isTTY) process.stderr.write('\n');
      if (migration.phase === 'Failed') throw new Error(`the migration failed: ${migration.reason}; ${memberId} runs on ${migration.from.networkPartitionId}/${migration.from.partitionId} again, with its data`);
      printData(outputFormat(options), migration, () =>
        out(
          migration.mode === 'live'
            ? `migrated ${memberId} live to ${where(migration)} in ${((Date.now() - started) / 1000).toFixed(1)} s; frozen ${((migration.downtimeMs ?? 0) / 1000).toFixed(2)} s, ${(migration.copiedBytes / 1e6).toFixed(1)} MB copied in ${migration.rounds} rounds`
            : `migrated ${memberId} to ${where(migration)} in ${((Date.now() - started) / 1000).toFixed(1)} s; down ${((migration.downtimeMs ?? 0) / 1000).toFixed(1)} s, ${(migration.copiedBytes / 1e6).toFixed(1)} MB of data copied`,
        ),
      );
    });
}
