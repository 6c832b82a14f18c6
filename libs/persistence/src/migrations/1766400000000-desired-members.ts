import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The autoscaler's member count per cluster, between its bounds (null: its minimum). */
export class DesiredMembers1766400000000 implements MigrationInterface {
  name = 'DesiredMembers1766400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clusters ADD COLUMN desired_members integer NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clusters DROP COLUMN desired_members`);
  }
}
