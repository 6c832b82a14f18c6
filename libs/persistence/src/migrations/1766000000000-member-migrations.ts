import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Members moved between partitions: each migration's phase is stored as it moves on, so that a
 * controller restarted mid-way finishes it (or rolls it back) and the member ends on one side.
 */
export class MemberMigrations1766000000000 implements MigrationInterface {
  name = 'MemberMigrations1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE member_migrations (
      migration_id uuid PRIMARY KEY,
      member_id text NOT NULL,
      application_id text NOT NULL,
      cluster_id text NOT NULL,
      mode text NOT NULL,
      source jsonb NOT NULL,
      target jsonb NOT NULL,
      phase text NOT NULL,
      copied_bytes bigint NOT NULL DEFAULT 0,
      started_at timestamptz NOT NULL,
      stopped_at timestamptz,
      finished_at timestamptz,
      downtime_ms integer,
      reason text
    )`);
    // One migration at a time per member.
    await q.query(`CREATE UNIQUE INDEX member_migrations_running ON member_migrations (member_id) WHERE finished_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE member_migrations`);
  }
}
