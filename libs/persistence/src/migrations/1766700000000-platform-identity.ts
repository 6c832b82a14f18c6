import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The platform's id (its labels on containers, services and networks; the names of the
 * controllers' broker sessions) is the database's: controllers on other hosts, with STRATOS_HOMEs
 * of their own, share it. The first controller to start adopts the id its STRATOS_HOME had.
 */
export class PlatformIdentity1766700000000 implements MigrationInterface {
  name = 'PlatformIdentity1766700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE platform_identity (
      id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
      platform_id text NOT NULL,
      adopted_at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE platform_identity`);
  }
}
