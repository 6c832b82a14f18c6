import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A single-tenant application deployed by a tenant: its deployment is keyed apart
 * (`<application>~t<tenantId>`), names the application definition it was made from, and goes
 * with its tenant (the clusters and members rows with it; the reconciler removes what still runs).
 */
export class TenantDeployments1765300000000 implements MigrationInterface {
  name = 'TenantDeployments1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deployments
      ADD COLUMN definition_id text,
      ADD COLUMN tenant_id integer REFERENCES tenants(id) ON DELETE CASCADE`);
    await q.query(`UPDATE deployments SET definition_id = application_id`);
    await q.query(`ALTER TABLE deployments ALTER COLUMN definition_id SET NOT NULL`);
    await q.query(`CREATE INDEX deployments_definition ON deployments (definition_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM deployments WHERE tenant_id IS NOT NULL`);
    await q.query(`ALTER TABLE deployments DROP COLUMN definition_id, DROP COLUMN tenant_id`);
  }
}
