/**
 * A member's artifacts: the subscription's git repository, cloned into APPLICATION_PATH before
 * the workload starts, and brought to the repository's HEAD again when a git hook moves the
 * cluster's artifact revision (/artifacts/revision in its tree) or the pull interval passes.
 * The checkout follows the repository (fetch, then reset --hard): files the member changed there
 * are overwritten. The password reaches git only through GIT_ASKPASS, in git's own environment;
 * it is never in a command line, a URL, a report or a log line.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export class ArtifactsError extends Error {}

const ASKPASS = `#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' "$STRATOS_GIT_USERNAME" ;;
  *) printf '%s\\n' "$STRATOS_GIT_PASSWORD" ;;
esac
`;

export interface ArtifactsOptions {
  repoUrl: string;
  username?: string;
  password?: string;
  /** Where the checkout goes (APPLICATION_PATH, inside the member's root). */
  dir: string;
  /** A folder of the agent's own, for the askpass script. */
  stateDir: string;
  timeoutMs?: number;
  /** [from, to]: git fetches TO… where the repository says FROM… (the platform's mirrors). */
  urlRewrites?: [string, string][];
}

export class Artifacts {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly askpass: string;

  constructor(private readonly options: ArtifactsOptions) {
    this.askpass = join(options.stateDir, 'git-askpass.sh');
  }

  /** The repository without credentials in it: what reports and hooks may show. */
  get displayUrl(): string {
    return this.options.repoUrl.replace(/\/\/[^/@]*@/, '//');
  }

  /** Clones (or, when the folder already is a checkout, updates); resolves with the commit. */
  checkout(): Promise<string> {
    return this.serial(async () => {
      if (existsSync(join(this.options.dir, '.git'))) return (await this.bringUpToDate()).commit;
      if (existsSync(this.options.dir) && readdirSync(this.options.dir).length > 0) {
        throw new ArtifactsError(`${this.options.dir} already holds files that are not a git checkout of ${this.displayUrl}`);
      }
      mkdirSync(dirname(this.options.dir), { recursive: true });
      await this.git(['clone', '--quiet', '--', this.options.repoUrl, this.options.dir]);
      return this.head();
    });
  }

  /** Fetches the repository's HEAD; resolves with whether the checkout moved, and to what. */
  update(): Promise<{ changed: boolean; commit: string }> {
    return this.serial(() => this.bringUpToDate());
  }

  private async bringUpToDate(): Promise<{ changed: boolean; commit: string }> {
    const before = await this.head();
    await this.git(['-C', this.options.dir, 'fetch', '--quiet', 'origin', 'HEAD']);
    const fetched = (await this.git(['-C', this.options.dir, 'rev-parse', 'FETCH_HEAD'])).trim();
    if (fetched === before) return { changed: false, commit: before };
    await this.git(['-C', this.options.dir, 'reset', '--quiet', '--hard', fetched]);
    return { changed: true, commit: fetched };
  }

  private async head(): Promise<string> {
    return (await this.git(['-C', this.options.dir, 'rev-parse', 'HEAD'])).trim();
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private git(args: string[]): Promise<string> {
    if (!existsSync(this.askpass)) {
      mkdirSync(this.options.stateDir, { recursive: true, mode: 0o700 });
      writeFileSync(this.askpass, ASKPASS, { mode: 0o700 });
    }
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GIT_TERMINAL_PROMPT: '0',
      GIT_ASKPASS: this.askpass,
      GIT_CONFIG_NOSYSTEM: '1',
      STRATOS_GIT_USERNAME: this.options.username ?? '',
      STRATOS_GIT_PASSWORD: this.options.password ?? '',
    };
    return new Promise((resolve, reject) => {
      const rewrites = (this.options.urlRewrites ?? []).flatMap(([from, to]) => ['-c', `url.${to}.insteadOf=${from}`]);
      const child = spawn('git', ['-c', 'safe.directory=*', ...rewrites, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
      const timer = setTimeout(() => child.kill('SIGKILL'), this.options.timeoutMs ?? 120_000);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new ArtifactsError(`git could not run (${error.message}): the image needs git`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) return resolve(out);
        reject(new ArtifactsError(`git ${args.find((a) => !a.startsWith('-') && a !== this.options.dir) ?? ''} of ${this.displayUrl} failed (${signal ?? `exit ${code}`}): ${this.scrub(err.trim().split('\n').slice(-3).join(' '))}`));
      });
    });
  }

  /** Whatever git says, without the password or credentials written into a URL. */
  private scrub(text: string): string {
    let out = text.replace(/\/\/[^/@\s]*@/g, '//');
    if (this.options.password) out = out.split(this.options.password).join('******');
    return out;
  }
}
