import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A cartridge's fully configured image, baked from a provisioned member: later docker members start from it. */
export class BakedImages1764700000000 implements MigrationInterface {
  name = 'BakedImages1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE baked_images (
      cartridge_type text PRIMARY KEY REFERENCES cartridges(type) ON DELETE CASCADE,
      image text NOT NULL,
      image_id text NOT NULL,
      size_bytes bigint NOT NULL,
      from_member text NOT NULL,
      source_image text NOT NULL,
      baked_by text NOT NULL,
      baked_at timestamptz NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE baked_images`);
  }
}
