/**
 * The database of a STRATOS_HOME as `npm start` keeps it (embedded PostgreSQL in home/postgres):
 * the running server when the platform is up (its port from postmaster.pid), or one started for
 * the time of the work. For host-side commands (backup, restore) that need the data, not the API.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import pg from 'pg';
import { join } from 'node:path';
import { startEmbeddedPostgres } from './embedded-postgres';
import { isAlive } from './processes';

/**
 * The files of STRATOS_HOME that a backup carries: the keys to sealed fields and member passwords,
 * the admin's first credential, the TLS key and certificate, and the host's id (a home restored on
 * a new machine is the host it replaces: the members launched there are found gone at once).
 */
export const HOME_BACKUP_FILES = ['secret.key', 'member-secret', 'admin-credentials', 'tls/key.pem', 'tls/cert.pem', 'host-id'] as const;

export async function withHomeDatabase<T>(home: string, work: (databaseUrl: string, how: 'running' | 'started') => Promise<T>): Promise<T> {
  const pgHome = join(home, 'postgres');
  const passwordFile = join(pgHome, 'password');
  if (!existsSync(join(pgHome, 'data', 'PG_VERSION'))) throw new Error(`${home} holds no embedded PostgreSQL (no ${join(pgHome, 'data')}): is it a STRATOS_HOME? With an external database, set DATABASE_URL`);
  const password = (await readFile(passwordFile, 'utf8')).trim();
  const running = await runningPort(join(pgHome, 'data'));
  if (running) return work(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${running}/stratos`, 'running');
  const server = await startEmbeddedPostgres({ home: pgHome });
  try {
    return await work(server.url, 'started');
  } finally {
    await server.stop();
  }
}

/** A fresh STRATOS_HOME's database, created for the work (a restore), stopped after. */
export async function withNewHomeDatabase<T>(home: string, work: (databaseUrl: string) => Promise<T>): Promise<T> {
  if (existsSync(join(home, 'postgres', 'data', 'PG_VERSION'))) throw new Error(`${home} already holds a database: restore into a new STRATOS_HOME (or stop the platform and move this one away)`);
  const server = await startEmbeddedPostgres({ home: join(home, 'postgres') });
  try {
    return await work(server.url);
  } finally {
    await server.stop();
  }
}

/** PostgreSQL's postmaster.pid: line 1 the pid, line 4 the port. */
async function runningPort(dataDir: string): Promise<number | null> {
  const file = join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return null;
  const lines = (await readFile(file, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) && Number.isInteger(port) && port > 0 ? port : null;
}

/**
 * A new password for a STRATOS_HOME's embedded database: made, set on its role, kept in
 * postgres/password. Only while the platform is stopped — its processes hold the old one and
 * would fail at their next connection. The new password is written beside the old one before the
 * role changes and replaces it after, so an interruption leaves it on disk (password.new).
 */
export async function rotateHomeDatabasePassword(home: string): Promise<void> {
  const pgHome = join(home, 'postgres');
  const passwordFile = join(pgHome, 'password');
  if (!existsSync(join(pgHome, 'data', 'PG_VERSION'))) throw new Error(`${home} holds no embedded PostgreSQL (no ${join(pgHome, 'data')}): is it a STRATOS_HOME? An external database's password is rotated there, and DATABASE_URL changed`);
  if (await runningPort(join(pgHome, 'data'))) throw new Error(`the platform on ${home} is running (its database answers): stop it first (Ctrl-C on npm start), rotate, then start it again`);
  const next = randomBytes(18).toString('base64url'); // [A-Za-z0-9_-]: safe inside a SQL literal
  const server = await startEmbeddedPostgres({ home: pgHome });
  try {
    await writeFile(`${passwordFile}.new`, next, { mode: 0o600 });
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      await client.query(`ALTER ROLE postgres PASSWORD '${next}'`);
    } finally {
      await client.end();
    }
    await rename(`${passwordFile}.new`, passwordFile);
  } finally {
    await server.stop();
  }
}
