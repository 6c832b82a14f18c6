import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { ApiClient } from '../api-client';
import { configPath, DEFAULT_URL, readCliSettings, writeCliSettings } from '../cli-config';
import { apiClient, UsageError, type GlobalOptions } from '../context';
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

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function registerLogin(program: Command, globals: () => GlobalOptions): void {
  program
    .command('login')
    .description('Trade a username and password for a token, kept in ~/.stratos/cli.json (0600)')
    .option('-u, --username <name>', 'user name', 'admin')
    .option('-p, --password <password>', 'password (prefer --password-stdin or the prompt: flags show in ps)')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (options: { username: string; password?: string; passwordStdin?: boolean }) => {
      const url = globals().url || process.env.STRATOS_URL || readCliSettings().url || DEFAULT_URL;
      let password = options.password ?? process.env.STRATOS_PASSWORD;
      if (options.passwordStdin) password = await readStdin();
      if (password === undefined) {
        if (!process.stdin.isTTY) throw new UsageError('no password: give --password-stdin, STRATOS_PASSWORD or run in a terminal');
        password = await prompt(`Password for ${options.username} at ${url}: `, true);
      }
      const { body } = await new ApiClient(url).request<{ token: string; expiresAt: string; role: string }>('POST', '/tokens', { username: options.username, password });
      writeCliSettings({ url, token: body.token, username: options.username });
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
      writeCliSettings({ url: saved.url });
      out(revoked ? 'Logged out: the token is revoked.' : 'Logged out.');
    });
}
