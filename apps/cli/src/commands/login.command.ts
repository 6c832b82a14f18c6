import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { certificateFingerprint, sameFingerprint } from '@stratos/contracts';
import { ApiClient, ApiError } from '../api-client';
import { presentedCertificate } from '../tls-trust';
import { configPath, DEFAULT_URL, readCliSettings, writeCliSettings } from '../cli-config';
import { apiClient, readStdin, trustedCertificate, UsageError, type GlobalOptions } from '../context';
import { err, out } from '../output';

async function prompt(question: string, hidden: boolean): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      if (hidden) process.stderr.write('\n');
      resolve(answer);
    });
    muted = hidden;
  });
}

/**
 * The certificate to pin for an https URL, or none (plain HTTP, or one an authority here signed).
 * With --fingerprint: the one the server presents, if it matches. Without: the one pinned
 * before for this URL; else, if the machine does not trust it, the user is asked (in a
 * terminal) or told the fingerprint to pass.
 */
async function certificateToTrust(url: string, fingerprint: string | undefined): Promise<string | undefined> {
  if (!url.startsWith('https:')) {
    if (fingerprint) throw new UsageError(`--fingerprint is for an https:// API; ${url} is plain HTTP`);
    return undefined;
  }
  const describe = (error: unknown) => `cannot reach ${url} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); is the platform running? (npm start)`;
  if (fingerprint) {
    const presented = await presentedCertificate(url).catch((error: unknown) => {
      throw new ApiError(describe(error), 0);
    });
    const actual = certificateFingerprint(presented);
    if (!sameFingerprint(actual, fingerprint)) throw new UsageError(`the API at ${url} presents a certificate with fingerprint ${actual}, not ${fingerprint}: not trusted, nothing saved`);
    return presented;
  }
  const pinned = trustedCertificate(url);
  if (pinned) return pinned;
  try {
    await new ApiClient(url).request('GET', '/health', undefined, { timeoutMs: 10_000 });
    return undefined; // an authority this machine trusts signed it
  } catch (error) {
    if (!(error instanceof ApiError) || !/does not trust/.test(error.message)) throw error;
  }
  const presented = await presentedCertificate(url);
  const actual = certificateFingerprint(presented);
  const why = `the API at ${url} has a certificate no authority of this machine signed; its fingerprint is ${actual}`;
  if (!process.stdin.isTTY) throw new UsageError(`${why}. If npm start printed that fingerprint, run again with --fingerprint ${actual}`);
  const answer = await prompt(`${why}.\nIs it the one npm start printed? Trust it? [y/N] `, false);
  if (!/^y(es)?$/i.test(answer.trim())) throw new UsageError('not trusted: nothing saved');
  return presented;
}

export function registerLogin(program: Command, globals: () => GlobalOptions): void {
  program
    .command('login')
    .description('Trade a username and password for a token, kept in ~/.stratos/cli.json (0600)')
    .option('-u, --username <name>', 'user name', 'admin')
    .option('-p, --password <password>', 'password (prefer --password-stdin or the prompt: flags show in ps)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--fingerprint <sha256>', "trust the API's self-signed certificate if it has this fingerprint (npm start prints it)")
    .action(async (options: { username: string; password?: string; passwordStdin?: boolean; fingerprint?: string }) => {
      const url = globals().url || process.env.STRATOS_URL || readCliSettings().url || DEFAULT_URL;
      const certificate = await certificateToTrust(url, options.fingerprint);
      let password = options.password ?? process.env.STRATOS_PASSWORD;
      if (options.passwordStdin) password = await readStdin();
      if (password === undefined) {
        if (!process.stdin.isTTY) throw new UsageError('no password: give --password-stdin, STRATOS_PASSWORD or run in a terminal');
        password = await prompt(`Password for ${options.username} at ${url}: `, true);
      }
      const { body } = await new ApiClient(url, undefined, certificate).request<{ token: string; expiresAt: string; role: string }>('POST', '/tokens', { username: options.username, password });
      writeCliSettings({ url, token: body.token, username: options.username, ...(certificate ? { certificate } : {}) });
      out(`Logged in to ${url} as ${options.username} (${body.role}); the token expires ${body.expiresAt}.`);
      err(`Saved in ${configPath()}.`);
    });

  program
    .command('logout')
    .description('Revoke the saved token on the server, and forget it')
    .action(async () => {
      const saved = readCliSettings();
      let revoked = false;
      if (saved.url && saved.token) {
        try {
          await apiClient(globals()).request('DELETE', '/tokens/current');
          revoked = true;
        } catch (error) {
          err(`warning: the server did not revoke the token (${(error as Error).message}); it is forgotten here all the same`);
        }
      }
      writeCliSettings({ url: saved.url, ...(saved.certificate ? { certificate: saved.certificate } : {}) });
      out(revoked ? 'Logged out: the token is revoked.' : 'Logged out.');
    });
}
