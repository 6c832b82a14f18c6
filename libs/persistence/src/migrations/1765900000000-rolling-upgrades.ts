import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rolling upgrades: a cluster's spec revision (raised when `stratos app upgrade` changes what its
 * members are launched from) and the revision each member was launched with (older: replaced).
 */
export class RollingUpgrades1765900000000 implements MigrationInterface {
  name = 'RollingUpgrades1765900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clusters ADD COLUMN revision integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE members ADD COLUMN cluster_revision integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE members DROP COLUMN cluster_revision`);
    await q.query(`ALTER TABLE clusters DROP COLUMN revision`);
  }
}
