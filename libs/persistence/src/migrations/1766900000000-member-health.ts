import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Members' latest health statistics in a narrow table of their own. Every member reports every few
 * seconds and the controller writes them in batches: on the members table each batch rewrote every
 * wide member row (10,000 a batch at 10,000 agents), bloating the table every read of it scans.
 * Here a batch rewrites small rows in place (HOT updates: no indexed column changes and a page has
 * room, fillfactor 50); members change only when their state does. Members' runtime views join it.
 * Runtime views are read by cluster in member id order (a page of each cluster), and counted by
 * state: both answered from indexes.
 */
export class MemberHealth1766900000000 implements MigrationInterface {
  name = 'MemberHealth1766900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE member_health (member_id text PRIMARY KEY REFERENCES members (member_id) ON DELETE CASCADE, health jsonb NOT NULL) WITH (fillfactor = 50)`);
    await q.query(`INSERT INTO member_health (member_id, health) SELECT member_id, health FROM members WHERE health IS NOT NULL`);
    await q.query(`ALTER TABLE members DROP COLUMN health`);
    await q.query(`DROP INDEX members_cluster`);
    await q.query(`CREATE INDEX members_cluster ON members (cluster_id, member_id)`);
    await q.query(`CREATE INDEX members_application_states ON members (application_id, cluster_id, status)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX members_application_states`);
    await q.query(`DROP INDEX members_cluster`);
    await q.query(`CREATE INDEX members_cluster ON members (cluster_id)`);
    await q.query(`ALTER TABLE members ADD COLUMN health jsonb`);
    await q.query(`UPDATE members m SET health = h.health FROM member_health h WHERE h.member_id = m.member_id`);
    await q.query(`DROP TABLE member_health`);
  }
}
