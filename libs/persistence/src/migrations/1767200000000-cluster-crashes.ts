import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A cluster's crash loop as the leader's reconciler records it (ClusterCrashes: how many in a
 * row, the last member's reason, when it launches again), for the runtime view to show and the
 * next leader to go on from. Null: none lately. And why a Lost member was Lost (its transition's
 * reason), which the crash loop names.
 */
export class ClusterCrashes1767200000000 implements MigrationInterface {
  name = 'ClusterCrashes1767200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clusters ADD COLUMN crashes jsonb`);
    await q.query(`ALTER TABLE members ADD COLUMN lost_reason text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clusters DROP COLUMN crashes`);
    await q.query(`ALTER TABLE members DROP COLUMN lost_reason`);
  }
}
