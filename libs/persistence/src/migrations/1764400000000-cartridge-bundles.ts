import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CartridgeBundles1764400000000 implements MigrationInterface {
  name = 'CartridgeBundles1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE cartridge_bundles (
      cartridge_type text PRIMARY KEY REFERENCES cartridges(type) ON DELETE CASCADE,
      sha256 text NOT NULL,
      size integer NOT NULL,
      files integer NOT NULL,
      content bytea NOT NULL,
      uploaded_by text NOT NULL,
      uploaded_at timestamptz NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE cartridge_bundles`);
  }
}
