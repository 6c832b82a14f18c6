/**
 * `stratos secrets rotate …`: replace a secret of the platform's. A user's password over the API;
 * the embedded database's on the platform's host, with the platform stopped (as backup and
 * restore, it works on the STRATOS_HOME's data, not through the API).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { MemberPasswordRotationView } from '@stratos/contracts';
import { apiClient, readStdin, UsageError, type GlobalOptions } from '../context';
import { err, out } from '../output';

const ROTATABLE = ['admin-password', 'database-password', 'member-secret', 'member-passwords'];

export function registerSecrets(program: Command, globals: () => GlobalOptions): void {
  const secrets = program.command('secrets').description("Rotate the platform's secrets");
  secrets
    .command('rotate')
    .description(
      `Replace a secret: ${ROTATABLE.join(', ')}. A user's password: a new random one unless --password-stdin; the user's other sessions end. ` +
        "The embedded database's: on the platform's host, with the platform stopped (--home); printed nowhere, kept in STRATOS_HOME/postgres/password. " +
        'The member secret (the embedded broker\'s key to member passwords): on the platform\'s host (--home), running or not; members are sent their new password and keep running. ' +
        "Member passwords (an external Mosquitto with dynamic security keeps one per member): over the API; each member is sent its new one, then signed out and in again with it",
    )
    .argument('<secret>', ROTATABLE.join(' | '))
    .option('--user <name>', "whose password (an admin may rotate anyone's)", 'admin')
    .option('--password-stdin', 'take the new password from standard input instead of making one')
    .option('--home <dir>', 'database-password, member-secret: the STRATOS_HOME (default: $STRATOS_HOME, else ./.stratos)')
    .option('--no-wait', 'member-secret, member-passwords: return once the rotation started, not when every member has switched')
    .action(async (secret: string, options: { user: string; passwordStdin?: boolean; home?: string; wait: boolean }) => {
      if (!ROTATABLE.includes(secret)) throw new UsageError(`cannot rotate "${secret}": one of ${ROTATABLE.join(', ')}`);
      if (secret === 'member-secret') return rotateMemberSecretOf(resolve(options.home ?? process.env.STRATOS_HOME ?? '.stratos'), options.wait);
      if (secret === 'member-passwords') return rotateMemberPasswords(globals(), options.wait);
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

/**
 * The home's member secret replaced; a platform running on it (its platform.pid) sends every
 * member its new password at once, otherwise it does so at its next start. Waits, unless told not
 * to, until the previous secret is retired (its file gone), printing how long it has waited.
 */
async function rotateMemberSecretOf(home: string, wait: boolean): Promise<void> {
  const { rotateMemberSecret, runningPlatformPid, PREVIOUS_MEMBER_SECRET_FILE } = await import('@stratos/runtime');
  await rotateMemberSecret(home);
  const pid = runningPlatformPid(home);
  if (!pid) {
    err(`the member secret of ${home} is replaced (0600); the platform is not running: at its next start it sends each member its new password, and retires the previous secret once they switched`);
    return;
  }
  err(`the member secret of ${home} is replaced (0600); the platform (pid ${pid}) is sending each member its new password`);
  if (!wait) return;
  const previous = join(home, PREVIOUS_MEMBER_SECRET_FILE);
  const started = Date.now();
  const waited = () => `${Math.round((Date.now() - started) / 1000)} s`;
  while (existsSync(previous)) {
    if (!runningPlatformPid(home)) throw new Error(`the platform stopped before it retired the previous secret (after ${waited()}): it finishes at its next start`);
    if (process.stderr.isTTY) process.stderr.write(`\r  members switching; the previous secret is accepted until they all did (at least its members' silence grace) … ${waited()}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  err(`every member signs in with the new secret; the previous one is retired (${waited()}; the platform's output says how many were switched)`);
}

/**
 * Every running member's own password on an external broker with dynamic security, replaced by
 * the controller member by member; waits, unless told not to, until the rotation finished,
 * showing how many members switched.
 */
async function rotateMemberPasswords(globalOptions: GlobalOptions, wait: boolean): Promise<void> {
  const api = apiClient(globalOptions);
  let { body: rotation } = await api.request<MemberPasswordRotationView>('POST', '/member-passwords/rotation');
  err(`member password rotation ${rotation.rotationId} started: ${rotation.members} member(s)`);
  if (!wait) return;
  const started = Date.now();
  const progress = (r: MemberPasswordRotationView) => `${r.switched + r.cutOff + r.notRotated + r.gone} of ${r.members} done (${r.switched} switched, ${r.cutOff} cut off, ${r.notRotated} not rotated, ${r.gone} gone)`;
  while (rotation.state === 'Running') {
    if (process.stderr.isTTY) process.stderr.write(`\r  ${progress(rotation)} … ${Math.round((Date.now() - started) / 1000)} s`);
    await new Promise((r) => setTimeout(r, 500));
    rotation = (await api.request<MemberPasswordRotationView>('GET', '/member-passwords/rotation')).body;
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  err(`member password rotation ${rotation.rotationId} finished: ${progress(rotation)}`);
  if (rotation.cutOff > 0) err(`${rotation.cutOff} member(s) did not take their new password in time: their old one no longer works, and each is replaced once silent for its grace (stratos topology watch shows it)`);
  if (rotation.notRotated > 0) err(`${rotation.notRotated} member(s) never signed in while the rotation waited: their passwords, made before it, stay until they are replaced; rotate again once they run`);
}
