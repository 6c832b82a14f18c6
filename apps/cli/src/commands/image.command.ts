/** `stratos image bake|list|forget`: fully configured images baked from provisioned docker members. */
import type { Command } from 'commander';
import type { BakedImageView, MemberNoticePayload, OperationAccepted } from '@stratos/contracts';
import { apiClient, outputFormat, type GlobalOptions } from '../context';
import { err, out, printData, printTable } from '../output';
import { currentRevision, follow } from './application-runtime.command';

const outputOption = (command: Command) => command.option('-o, --output <format>', 'table | json | yaml', 'table').option('--json', 'same as -o json');

export function registerImage(program: Command, globals: () => GlobalOptions): void {
  const image = program.command('image').alias('images').description("Cartridges' fully configured images, baked from provisioned docker members");
  image
    .command('bake')
    .description("Bake a provisioned docker member into its cartridge's image: later docker members start from it, provisioning skipped")
    .requiredOption('--from-member <member-id>', 'an Active docker member')
    .option('--tag <repository[:tag]>', 'the image name (default stratos-baked/<cartridge>:<time>)')
    .option('--timeout <seconds>', 'how long to wait', '600')
    .action(async (options: { fromMember: string; tag?: string; timeout: string }) => {
      const client = apiClient(globals());
      const since = await currentRevision(client);
      const { body } = await client.request<OperationAccepted>('POST', '/images', { fromMember: options.fromMember, tag: options.tag });
      err(`baking ${options.fromMember} (operation ${body.operationId})`);
      const verdict = await follow(client, body.applicationId, since, Number(options.timeout) * 1000, (event) => {
        const notice = event.payload as MemberNoticePayload;
        if (event.type !== 'MemberNotice' || notice.memberId !== options.fromMember) return null;
        return /^baked /.test(notice.message) ? 'baked' : /^bake of .* failed/.test(notice.message) ? 'failed' : null;
      });
      if (verdict === 'failed') process.exitCode = 1;
    });
  outputOption(image.command('list').alias('ls').description("Each cartridge's baked image")).action(async (options: { output?: string; json?: boolean }) => {
    const { body } = await apiClient(globals()).request<BakedImageView[]>('GET', '/images');
    printData(outputFormat(options), body, () =>
      printTable(
        ['CARTRIDGE', 'IMAGE', 'SIZE', 'FROM MEMBER', 'BAKED'],
        body.map((i) => [i.cartridgeType, i.image, `${(i.sizeBytes / 1e6).toFixed(0)} MB`, i.fromMember, i.bakedAt]),
      ),
    );
  });
  image
    .command('forget')
    .description("Forget a cartridge's baked image: its members start from the generic image again")
    .argument('<cartridge-type>')
    .action(async (type: string) => {
      await apiClient(globals()).request('DELETE', `/images/${encodeURIComponent(type)}`);
      out(`cartridge ${type}: members start from its generic image again`);
    });
}
