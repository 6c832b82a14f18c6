import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Each member holds a slot of its cluster (`sid`, ZooKeeper's myid): a replacement inherits it. */
export class MemberSlots1764300000000 implements MigrationInterface {
  name = 'MemberSlots1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE members ADD COLUMN sid integer`);
    await q.query(`UPDATE members m SET sid = n.sid FROM (SELECT member_id, row_number() OVER (PARTITION BY cluster_id ORDER BY created_at, member_id) AS sid FROM members) n WHERE n.member_id = m.member_id`);
    await q.query(`ALTER TABLE members ALTER COLUMN sid SET NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE members DROP COLUMN sid`);
  }
}
