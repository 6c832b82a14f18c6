import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Group scaling: the instance of its scaling group a cluster belongs to (null: it is in none). */
export class GroupInstances1766500000000 implements MigrationInterface {
  name = 'GroupInstances1766500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clusters ADD COLUMN group_instance jsonb NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clusters DROP COLUMN group_instance`);
  }
}
