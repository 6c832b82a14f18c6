import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Image artifacts of local regions (directory trees) beside docker engines' images: what kind a version is. */
export class LocalArtifacts1766300000000 implements MigrationInterface {
  name = 'LocalArtifacts1766300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE artifact_versions ADD COLUMN provider text NOT NULL DEFAULT 'docker'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE artifact_versions DROP COLUMN provider`);
  }
}
