import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TEMPLATE_DATABASE, TEST_PG_ENV } from './test-env';

function serverUrl(): string {
  const url = process.env[TEST_PG_ENV];
  if (!url) throw new Error(`${TEST_PG_ENV} is not set: run the tests through jest (its global setup starts PostgreSQL)`);
  return url;
}

/** A fresh, migrated database of the test server; returns its URL. */
export async function createTestDatabase(): Promise<string> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** Row counts of the tables a request may write, to assert that a refused one wrote nothing. */
export async function rowCounts(databaseUrl: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const counts: Record<string, number> = {};
    for (const table of ['cartridges', 'cartridge_bundles', 'definitions', 'topology_events', 'tenants', 'users', 'api_tokens']) {
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM ${table}`);
      counts[table] = rows[0].n as number;
    }
    return counts;
  } finally {
    await client.end();
  }
}

/** Every revision of the topology log, in order (a fault test asserts they run 1, 2, 3… without a gap). */
export async function topologyRevisions(databaseUrl: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<{ revision: string }>('SELECT revision FROM topology_events ORDER BY revision')).rows.map((r) => Number(r.revision));
  } finally {
    await client.end();
  }
}

/** 1, 2, … n: what a gap-free log of n events holds. */
export const gapFree = (revisions: number[]) => revisions.map((_, i) => i + 1);
