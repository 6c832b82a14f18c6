/** `stratos region list`: where members can run — the default engine and home, and each region of STRATOS_REGIONS. */
import type { Command } from 'commander';
import type { RegionView } from '@stratos/contracts';
import { apiClient, outputFormat, type GlobalOptions } from '../context';
import { printData, printTable } from '../output';

export function registerRegions(program: Command, globals: () => GlobalOptions): void {
  const region = program.command('region').alias('regions').description('Regions: the Docker engines and folders members run in (STRATOS_REGIONS), and whether each answers');
  region
    .command('list')
    .alias('ls')
    .description('Each region of each driver: where it is, whether it answers now, the members running there')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .option('--json', 'same as -o json')
    .action(async (options: { output?: string; json?: boolean }) => {
      const { body } = await apiClient(globals()).request<RegionView[]>('GET', '/regions');
      printData(outputFormat(options), body, () =>
        printTable(
          ['REGION', 'DRIVER', 'WHERE', 'ANSWERS', 'MEMBERS'],
          body.map((r) => [r.region, r.driverName, r.endpoint, r.answers ? 'yes' : `no: ${r.reason ?? 'no answer'}`, r.members]),
        ),
      );
    });
}
