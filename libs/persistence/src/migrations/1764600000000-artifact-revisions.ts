import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A cluster's artifact revision: bumped by a git hook (POST /api/repo/notify); its members pull when it moves. */
export class ArtifactRevisions1764600000000 implements MigrationInterface {
  name = 'ArtifactRevisions1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clusters ADD COLUMN artifact_revision integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clusters DROP COLUMN artifact_revision`);
  }
}
