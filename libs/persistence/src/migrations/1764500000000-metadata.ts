import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stratos's metadata properties (multi-valued, per application or per cluster of it), and the
 * application-scoped token members present to the metadata API.
 */
export class Metadata1764500000000 implements MigrationInterface {
  name = 'Metadata1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE metadata_properties (
      application_id text NOT NULL,
      cluster_id text NOT NULL DEFAULT '',
      key text NOT NULL,
      "values" text[] NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (application_id, cluster_id, key))`);
    // Every round of metadata trees the controller publishes takes the next number: agents never go back to an older tree.
    await q.query(`CREATE SEQUENCE metadata_revisions`);
    await q.query(`ALTER TABLE deployments ADD COLUMN metadata_token text`);
    await q.query(`CREATE UNIQUE INDEX deployments_metadata_token ON deployments (metadata_token)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX deployments_metadata_token`);
    await q.query(`ALTER TABLE deployments DROP COLUMN metadata_token`);
    await q.query(`DROP SEQUENCE metadata_revisions`);
    await q.query(`DROP TABLE metadata_properties`);
  }
}
