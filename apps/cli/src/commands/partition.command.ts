/**
 * `stratos partition drain NP/P`: a partition emptied for maintenance — closed to new members,
 * each member migrated away, a table of where each went; `stratos partition uncordon NP/P` opens it again.
 */
import type { Command } from 'commander';
import type { PartitionDrainView } from '@stratos/contracts';
import { apiClient, outputFormat, UsageError, type GlobalOptions } from '../context';
import { err, out, printData, printTable } from '../output';

function pathOf(partition: string): string {
  const parts = partition.split('/');
  if (parts.length !== 2 || parts.some((p) => !/^[A-Za-z0-9._-]{1,128}$/.test(p))) throw new UsageError(`name the partition as NETWORK_PARTITION/PARTITION, not "${partition}"`);
  return `/networkPartitions/${encodeURIComponent(parts[0])}/partitions/${encodeURIComponent(parts[1])}/drain`;
}

export function registerPartitions(program: Command, globals: () => GlobalOptions): void {
  const partition = program.command('partition').alias('partitions').description('A partition of a network partition: drained for maintenance, opened again');
  partition
    .command('drain')
    .description('Close a partition to new members and migrate each of its members (cold, one at a time) to an open partition of its policy with room; a member none can take stays, with the reason')
    .argument('<np/partition>', 'NETWORK_PARTITION/PARTITION')
    .option('--no-wait', 'return once it started (GET the same path, or stratos topology watch, follows it)')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .option('--json', 'same as -o json')
    .action(async (name: string, options: { wait: boolean; output?: string; json?: boolean }) => {
      const client = apiClient(globals());
      const path = pathOf(name);
      let { body: drain } = await client.request<PartitionDrainView>('POST', path);
      const started = Date.now();
      err(`partition ${name} cordoned: no new member goes there; ${drain.members.length} member(s) to move`);
      while (options.wait && drain.state === 'Running') {
        await new Promise((r) => setTimeout(r, 500));
        drain = (await client.request<PartitionDrainView>('GET', path)).body;
        const done = drain.members.filter((m) => m.phase === 'Done' || m.phase === 'Failed' || m.phase === 'Stays').length;
        if (process.stderr.isTTY) process.stderr.write(`\r  ${done} of ${drain.members.length} handled … ${Math.round((Date.now() - started) / 1000)} s`);
      }
      if (process.stderr.isTTY && options.wait) process.stderr.write('\n');
      printData(outputFormat(options), drain, () => {
        printTable(['MEMBER', 'CLUSTER', 'TO', 'PHASE', 'REASON'], drain.members.map((m) => [m.memberId, m.clusterId, m.to ?? '-', m.phase, m.reason ?? '']));
        if (drain.state === 'Finished') out(`drained in ${((Date.now() - started) / 1000).toFixed(1)} s: ${drain.members.filter((m) => m.phase === 'Done').length} of ${drain.members.length} member(s) moved; stratos partition uncordon ${name} opens it again`);
      });
      if (drain.state === 'Finished' && drain.members.some((m) => m.phase !== 'Done')) process.exitCode = 1;
    });
  partition
    .command('uncordon')
    .description('Open a cordoned (drained) partition to new members again')
    .argument('<np/partition>', 'NETWORK_PARTITION/PARTITION')
    .action(async (name: string) => {
      await apiClient(globals()).request('DELETE', pathOf(name));
      out(`partition ${name} is open to new members again`);
    });
}
