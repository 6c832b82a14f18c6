import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Image artifacts: a version's source image, and per region its copy's state (regions: { region: {state, percent, imageId?, reason?, updatedAt} }). */
export class ImageArtifacts1765700000000 implements MigrationInterface {
  name = 'ImageArtifacts1765700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE artifact_versions (
      name text NOT NULL,
      version text NOT NULL,
      image text NOT NULL,
      source_region text NOT NULL,
      image_id text NOT NULL,
      size_bytes bigint NOT NULL,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL,
      regions jsonb NOT NULL DEFAULT '{}'::jsonb,
      PRIMARY KEY (name, version))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE artifact_versions`);
  }
}
