/** `stratos member logs M [-f]`: what a member's agent and workload wrote, for debugging it. */
import type { Command } from 'commander';
import type { MemberLogs } from '@stratos/contracts';
import { ApiError } from '../api-client';
import { apiClient, UsageError, type GlobalOptions } from '../context';

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
}
