import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Which image each member was launched from (a region's copy of an artifact, a baked image, the cartridge's). */
export class MemberImage1765800000000 implements MigrationInterface {
  name = 'MemberImage1765800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE members ADD COLUMN image text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE members DROP COLUMN image`);
  }
}
