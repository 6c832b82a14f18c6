/**
 * `stratos secrets rotate …`: replace a secret of the platform's. A user's password over the API;
 * the embedded database's on the platform's host, with the platform stopped (as backup and
 * restore, it works on the STRATOS_HOME's data, not through the API).
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { apiClient, readStdin, UsageError, type GlobalOptions } from '../context';
import { err, out } from '../output';

const ROTATABLE = ['admin-password', 'database-password'];

export function registerSecrets(program: Command, globals: () => GlobalOptions): void {
  const secrets = program.command('secrets').description("Rotate the platform's secrets");
  secrets
    .command('rotate')
    .description(
      `Replace a secret: ${ROTATABLE.join(', ')}. A user's password: a new random one unless --password-stdin; the user's other sessions end. ` +
        "The embedded database's: on the platform's host, with the platform stopped (--home); printed nowhere, kept in STRATOS_HOME/postgres/password",
    )
    .argument('<secret>', ROTATABLE.join(' | '))
    .option('--user <name>', "whose password (an admin may rotate anyone's)", 'admin')
    .option('--password-stdin', 'take the new password from standard input instead of making one')
    .option('--home <dir>', 'database-password: the STRATOS_HOME (default: $STRATOS_HOME, else ./.stratos)')
    .action(async (secret: string, options: { user: string; passwordStdin?: boolean; home?: string }) => {
      if (!ROTATABLE.includes(secret)) throw new UsageError(`cannot rotate "${secret}": one of ${ROTATABLE.join(', ')}`);
      if (secret === 'database-password') {
        if (process.env.DATABASE_URL) throw new UsageError("DATABASE_URL names an external database: rotate its password there, then change DATABASE_URL");
        const { rotateHomeDatabasePassword } = await import('@stratos/runtime');
        const home = resolve(options.home ?? process.env.STRATOS_HOME ?? '.stratos');
        const started = Date.now();
        await rotateHomeDatabasePassword(home);
        err(`the embedded database's password is replaced in ${((Date.now() - started) / 1000).toFixed(1)} s (kept in ${home}/postgres/password, 0600); npm start uses it from now on`);
        return;
      }
      const password = options.passwordStdin ? await readStdin() : randomBytes(18).toString('base64url');
      const { body } = await apiClient(globals()).request<{ revokedTokens: number }>('PUT', `/users/${encodeURIComponent(options.user)}/password`, { password });
      err(`the password of "${options.user}" is replaced; ${body.revokedTokens} other session(s) ended${options.user === 'admin' ? ' (STRATOS_HOME/admin-credentials holds the new one where the platform made it)' : ''}`);
      if (!options.passwordStdin) out(password); // shown once, on standard output alone, for a pipe or a password manager
    });
}
