/**
 * `stratos prune`: what platforms left on this machine's Docker engine once their STRATOS_HOME
 * was deleted — members' containers, their volumes, the member network. Lists them (a dry run);
 * `--yes` removes them. A platform whose home is still there is never touched; resources made
 * before homes were labelled go only when named (`--platform ID`).
 */
import type { Command } from 'commander';
import { outputFormat, UsageError } from '../context';
import { err, printData, printTable } from '../output';

export function registerPrune(program: Command): void {
  program
    .command('prune')
    .description("List (and with --yes remove) the Docker containers, volumes and networks of platforms whose STRATOS_HOME is gone (this machine's engine: DOCKER_HOST)")
    .option('--yes', 'remove what is left over (without it: only list)')
    .option('--platform <id>', 'only this platform (its id, or its first 8 characters); named, one whose resources carry no home label goes too')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .option('--json', 'same as -o json')
    .action(async (options: { yes?: boolean; platform?: string; output?: string; json?: boolean }) => {
      const { default: Docker } = await import('dockerode');
      const { findLeftovers, removePlatformResources } = await import('@stratos/iaas');
      const docker = new Docker();
      try {
        await docker.ping();
      } catch (error) {
        throw new UsageError(`no Docker engine answers (${(error as Error).message}): nothing to prune there`);
      }
      const all = (await findLeftovers(docker)).filter((p) => options.platform === undefined || p.platformId.startsWith(options.platform));
      if (options.platform && all.length === 0) throw new UsageError(`no platform ${options.platform} has anything on this engine`);
      const chosen = (p: { orphaned: boolean; home: string | null }) => p.orphaned || (options.platform !== undefined && p.home === null);
      const rows = all.map((p) => ({ ...p, leftOver: chosen(p), removed: false }));
      if (options.yes) {
        for (const platform of rows.filter((p) => p.leftOver)) {
          await removePlatformResources(docker, platform, (what) => err(`removing ${what} (platform ${platform.platformId.slice(0, 8)})`));
          platform.removed = true;
        }
      }
      printData(outputFormat(options), rows.map(({ orphaned: _orphaned, ...p }) => p), () => {
        printTable(
          ['PLATFORM', 'HOME', 'CONTAINERS', 'VOLUMES', 'NETWORKS', 'LEFT OVER', 'WHY'],
          rows.map((p) => [p.platformId.slice(0, 8), p.home ?? '-', p.containers.length, p.volumes.length, p.networks.length, p.removed ? 'removed' : p.leftOver ? 'yes' : 'no', p.reason]),
        );
        const left = rows.filter((p) => p.leftOver && !p.removed);
        if (left.length > 0) err(`${left.length} platform(s) left things behind: stratos prune --yes removes them`);
        else if (rows.length === 0) err('no platform has anything on this engine');
      });
    });
}
