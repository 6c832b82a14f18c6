import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A sign-up's artifacts revision: a git hook for one of its repositories moves it, and the tenant's checkouts are pulled on every member. */
export class SignUpArtifactRevisions1765500000000 implements MigrationInterface {
  name = 'SignUpArtifactRevisions1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE application_signups ADD COLUMN artifacts_revision integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE application_signups DROP COLUMN artifacts_revision`);
  }
}
