/**
 * A logical backup of the platform's database: every table's rows and every sequence's value,
 * as lines of text (gzipped by the caller), restorable into a fresh database of the same schema.
 * Rows travel as PostgreSQL's own JSON text (row_to_json), never parsed here: a bigint keeps
 * every digit, bytea its bytes.
 *
 *   #stratos-backup <manifest JSON>
 *   T<TAB>table<TAB><row JSON>
 *   S<TAB>sequence<TAB><last value>
 *   F<TAB>file name<TAB><base64>     (files of STRATOS_HOME: the keys that open sealed fields)
 */
import pg from 'pg';

export const BACKUP_FORMAT = 'stratos-backup/1';

/**
 * Not the platform's state: who leads the controllers now (a restored platform's next leader starts
 * a term of its own), and members' latest health statistics (their agents report again within seconds).
 */
export const NOT_BACKED_UP = ['controller_leadership', 'member_health'] as const;

/** Parents before children (foreign keys); every table of the schema but TypeORM's own and NOT_BACKED_UP. */
export const BACKUP_TABLES = [
  'tenants',
  'users',
  'api_tokens',
  'login_failures',
  'cartridges',
  'cartridge_bundles',
  'baked_images',
  'artifact_versions',
  'definitions',
  'deployments',
  'clusters',
  'members',
  'operations',
  'member_migrations',
  'partition_cordons',
  'application_signups',
  'tenant_preparations',
  'domain_mappings',
  'metadata_properties',
  'topology_events',
  'audit_log',
  'platform_identity', // a restored platform keeps its id: what its labels mark is found again
] as const;

const MIGRATIONS_TABLE = 'migrations';

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  createdAt: string;
  /** The schema: applied migrations, by name, in order. A restore needs the same. */
  migrations: string[];
  rows: Record<string, number>;
  files: string[];
}

export class BackupError extends Error {}

async function withClient<T>(databaseUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'stratos-backup' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function schemaOf(client: pg.Client): Promise<{ tables: string[]; migrations: string[]; sequences: string[] }> {
  const tables = (await client.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> $1 ORDER BY tablename`, [MIGRATIONS_TABLE])).rows.map((r) => r.tablename);
  const migrations = (await client.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY timestamp, id`)).rows.map((r) => r.name);
  const sequences = (await client.query<{ sequencename: string }>(`SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY sequencename`)).rows.map((r) => r.sequencename);
  const unknown = tables.filter((t) => !(BACKUP_TABLES as readonly string[]).includes(t) && !(NOT_BACKED_UP as readonly string[]).includes(t));
  if (unknown.length > 0) throw new BackupError(`the database has tables this version does not back up (${unknown.join(', ')}): a newer schema, or BACKUP_TABLES is out of date`);
  return { tables, migrations, sequences };
}

/**
 * Writes the backup line by line to `write`, from one REPEATABLE READ snapshot (a platform that
 * keeps running meanwhile gives a consistent backup). Returns its manifest.
 */
export async function backupDatabase(databaseUrl: string, files: { name: string; content: Buffer }[], write: (line: string) => Promise<void> | void): Promise<BackupManifest> {
  return withClient(databaseUrl, async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const schema = await schemaOf(client);
      const rows: Record<string, number> = {};
      for (const table of BACKUP_TABLES) rows[table] = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
      const manifest: BackupManifest = { format: BACKUP_FORMAT, createdAt: new Date().toISOString(), migrations: schema.migrations, rows, files: files.map((f) => f.name) };
      await write(`#stratos-backup ${JSON.stringify(manifest)}`);
      for (const table of BACKUP_TABLES) {
        // A cursor of a thousand rows at a time: a long topology log does not sit in memory.
        await client.query(`DECLARE rows_of_${table} NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS row FROM ${table} t`);
        for (;;) {
          const batch = await client.query<{ row: string }>(`FETCH 1000 FROM rows_of_${table}`);
          for (const { row } of batch.rows) await write(`T\t${table}\t${row}`);
          if (batch.rows.length < 1000) break;
        }
        await client.query(`CLOSE rows_of_${table}`);
      }
      for (const sequence of schema.sequences) {
        const { rows: values } = await client.query<{ last_value: string | null }>(`SELECT last_value::text FROM pg_sequences WHERE schemaname = 'public' AND sequencename = $1`, [sequence]);
        if (values[0]?.last_value !== null && values[0]?.last_value !== undefined) await write(`S\t${sequence}\t${values[0].last_value}`);
      }
      for (const file of files) await write(`F\t${file.name}\t${file.content.toString('base64')}`);
      await client.query('COMMIT');
      return manifest;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

export interface RestoredBackup {
  manifest: BackupManifest;
  files: { name: string; content: Buffer }[];
}

/**
 * Loads a backup into a database migrated to the same schema and holding nothing yet, in one
 * transaction: all of it, or — on any error — none of it. Returns the manifest and the files
 * (the caller puts them back in STRATOS_HOME).
 */
export async function restoreDatabase(databaseUrl: string, lines: AsyncIterable<string>): Promise<RestoredBackup> {
  return withClient(databaseUrl, async (client) => {
    const iterator = lines[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done || !first.value.startsWith('#stratos-backup ')) throw new BackupError('this is not a stratos backup (its first line is not "#stratos-backup …")');
    const manifest = JSON.parse(first.value.slice('#stratos-backup '.length)) as BackupManifest;
    if (manifest.format !== BACKUP_FORMAT) throw new BackupError(`the backup's format is ${String(manifest.format)}; this version reads ${BACKUP_FORMAT}`);
    const schema = await schemaOf(client);
    if (JSON.stringify(schema.migrations) !== JSON.stringify(manifest.migrations)) {
      const missing = manifest.migrations.filter((m) => !schema.migrations.includes(m));
      const extra = schema.migrations.filter((m) => !manifest.migrations.includes(m));
      throw new BackupError(
        `the backup's schema differs from this version's (${missing.length ? `the backup has ${missing.join(', ')} that this version lacks` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `this version has ${extra.join(', ')} that the backup lacks` : ''}): restore with the version that made it`,
      );
    }
    for (const table of BACKUP_TABLES) {
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
      if (rows[0].n > 0) throw new BackupError(`the database is not empty (${table} has ${rows[0].n} row(s)): restore into a fresh STRATOS_HOME or an empty database`);
    }
    const files: { name: string; content: Buffer }[] = [];
    const restored: Record<string, number> = {};
    await client.query('BEGIN');
    try {
      const pending = { table: '', rows: [] as string[] };
      const flush = async () => {
        if (pending.rows.length === 0) return;
        await client.query(`INSERT INTO ${pending.table} SELECT * FROM json_populate_recordset(null::${pending.table}, $1::json)`, [`[${pending.rows.join(',')}]`]);
        restored[pending.table] = (restored[pending.table] ?? 0) + pending.rows.length;
        pending.rows = [];
      };
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        const line = next.value;
        if (line === '') continue;
        const [kind, name, value] = [line.slice(0, 1), line.slice(2, line.indexOf('\t', 2)), line.slice(line.indexOf('\t', 2) + 1)];
        if (kind === 'T') {
          if (!(BACKUP_TABLES as readonly string[]).includes(name)) throw new BackupError(`the backup has rows of an unknown table "${name}"`);
          if (pending.table !== name) {
            await flush();
            pending.table = name;
          }
          pending.rows.push(value);
          if (pending.rows.length >= 500) await flush();
        } else if (kind === 'S') {
          await flush();
          if (!schema.sequences.includes(name) || !/^\d+$/.test(value)) throw new BackupError(`the backup's sequence line for "${name}" is not valid`);
          await client.query('SELECT setval($1::regclass, $2::bigint)', [name, value]);
        } else if (kind === 'F') {
          await flush();
          if (!/^([a-z][a-z0-9-]*\/)?[a-z][a-z0-9.-]*$/.test(name)) throw new BackupError(`the backup names a file "${name}" this version does not restore`);
          files.push({ name, content: Buffer.from(value, 'base64') });
        } else {
          throw new BackupError(`the backup has a line this version does not read (it starts "${line.slice(0, 20)}")`);
        }
      }
      await flush();
      for (const table of BACKUP_TABLES) {
        if ((restored[table] ?? 0) !== (manifest.rows[table] ?? 0)) throw new BackupError(`the backup is incomplete: ${table} has ${restored[table] ?? 0} row(s), its manifest says ${manifest.rows[table] ?? 0}`);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    return { manifest, files };
  });
}
