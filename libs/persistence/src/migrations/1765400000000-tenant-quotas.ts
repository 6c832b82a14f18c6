import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What a tenant may deploy for itself: how many deployments, and how many members at their minimum in all (null: no limit). */
export class TenantQuotas1765400000000 implements MigrationInterface {
  name = 'TenantQuotas1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenants ADD COLUMN max_deployments integer CHECK (max_deployments >= 0), ADD COLUMN max_members integer CHECK (max_members >= 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenants DROP COLUMN max_deployments, DROP COLUMN max_members`);
  }
}
