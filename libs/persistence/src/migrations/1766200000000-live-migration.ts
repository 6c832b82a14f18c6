import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Live migration: which instance of a member speaks for it (its incarnation; null: its first),
 * so that the events of a frozen source and of its target starting are told apart; and how many
 * copy rounds a migration took.
 */
export class LiveMigration1766200000000 implements MigrationInterface {
  name = 'LiveMigration1766200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE members ADD COLUMN incarnation text`);
    await q.query(`ALTER TABLE member_migrations ADD COLUMN rounds integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE member_migrations DROP COLUMN rounds`);
    await q.query(`ALTER TABLE members DROP COLUMN incarnation`);
  }
}
