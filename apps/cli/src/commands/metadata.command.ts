/**
 * `stratos metadata …`: a member's whole metadata tree (for debugging its templates), and
 * Stratos's metadata properties of a deployed application and its clusters.
 */
import type { Command } from 'commander';
import type { MemberTreeView, MetadataPropertyView } from '@stratos/contracts';
import { apiClient, outputFormat, UsageError, type GlobalOptions } from '../context';
import { out, printData, printTable } from '../output';

const outputOption = (command: Command) => command.option('-o, --output <format>', 'table | json | yaml', 'table').option('--json', 'same as -o json');
const scopePath = (app: string, cluster?: string) => `/metadata/applications/${encodeURIComponent(app)}${cluster ? `/clusters/${encodeURIComponent(cluster)}` : ''}/properties`;

export function registerMetadata(program: Command, globals: () => GlobalOptions): void {
  const metadata = program.command('metadata').description("Members' metadata trees, and applications' metadata properties (Stratos's metadata API)");

  outputOption(
    metadata
      .command('get')
      .description("A member's whole metadata tree (what its templates read), or an application's properties")
      .option('--member <id>', 'the member whose tree to show')
      .option('--app <id>', 'the deployed application whose properties to list')
      .option('--cluster <id>', "with --app: a cluster's properties"),
  ).action(async (o: { member?: string; app?: string; cluster?: string; output?: string; json?: boolean }) => {
    const format = outputFormat(o);
    if (!o.member === !o.app) throw new UsageError('name a member (--member ID) or an application (--app ID)');
    const client = apiClient(globals());
    if (o.member) {
      const { body } = await client.request<MemberTreeView>('GET', `/metadata/members/${encodeURIComponent(o.member)}`);
      printData(format, body, () => printTable(['KEY', 'VALUE'], Object.entries(body.tree).sort(([a], [b]) => a.localeCompare(b))));
      return;
    }
    const { body } = await client.request<MetadataPropertyView[]>('GET', scopePath(o.app!, o.cluster));
    printData(format, body, () => printTable(['KEY', 'VALUES'], body.map((p) => [p.key, p.values.join(', ')])));
  });

  metadata
    .command('add')
    .description('Add values to a property of a deployed application (or of one of its clusters)')
    .requiredOption('--app <id>', 'the deployed application')
    .option('--cluster <id>', 'a cluster of it')
    .argument('<key>')
    .argument('<values...>')
    .action(async (key: string, values: string[], o: { app: string; cluster?: string }) => {
      const { body } = await apiClient(globals()).request<MetadataPropertyView>('POST', scopePath(o.app, o.cluster), { key, values });
      out(`${body.key} = ${body.values.join(', ')}`);
    });

  metadata
    .command('remove')
    .alias('rm')
    .description('Remove a property (or one value of it)')
    .requiredOption('--app <id>', 'the deployed application')
    .option('--cluster <id>', 'a cluster of it')
    .argument('<key>')
    .argument('[value]')
    .action(async (key: string, value: string | undefined, o: { app: string; cluster?: string }) => {
      await apiClient(globals()).request('DELETE', `${scopePath(o.app, o.cluster)}/${encodeURIComponent(key)}${value === undefined ? '' : `/value/${encodeURIComponent(value)}`}`);
      out(value === undefined ? `${key} removed` : `${key}: ${value} removed`);
    });
}
