/** `stratos secrets rotate …`: replace a secret of the platform's. */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { apiClient, UsageError, type GlobalOptions } from '../context';
import { err, out } from '../output';

const ROTATABLE = ['admin-password'];

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function registerSecrets(program: Command, globals: () => GlobalOptions): void {
  const secrets = program.command('secrets').description("Rotate the platform's secrets");
  secrets
    .command('rotate')
    .description(`Replace a secret: ${ROTATABLE.join(', ')} (a user's password: a new random one unless --password-stdin; the user's other sessions end)`)
    .argument('<secret>', ROTATABLE.join(' | '))
    .option('--user <name>', "whose password (an admin may rotate anyone's)", 'admin')
    .option('--password-stdin', 'take the new password from standard input instead of making one')
    .action(async (secret: string, options: { user: string; passwordStdin?: boolean }) => {
      if (!ROTATABLE.includes(secret)) throw new UsageError(`cannot rotate "${secret}": one of ${ROTATABLE.join(', ')}`);
      const password = options.passwordStdin ? await readStdin() : randomBytes(18).toString('base64url');
      const { body } = await apiClient(globals()).request<{ revokedTokens: number }>('PUT', `/users/${encodeURIComponent(options.user)}/password`, { password });
      err(`the password of "${options.user}" is replaced; ${body.revokedTokens} other session(s) ended${options.user === 'admin' ? ' (STRATOS_HOME/admin-credentials holds the new one where the platform made it)' : ''}`);
      if (!options.passwordStdin) out(password); // shown once, on standard output alone, for a pipe or a password manager
    });
}
