import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenants' sign-ups to deployed multi-tenant applications, and which member prepared which
 * tenant at which revision of its sign-up (or why it could not). Both go with the tenant; confirmations go with the
 * member and with the sign-up.
 */
export class SignUps1765100000000 implements MigrationInterface {
  name = 'SignUps1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE application_signups (
      application_id text NOT NULL,
      tenant_id integer NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      artifact_repositories jsonb NOT NULL,
      revision integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      active_at timestamptz,
      PRIMARY KEY (application_id, tenant_id))`);
    await q.query(`CREATE TABLE tenant_preparations (
      member_id text NOT NULL REFERENCES members(member_id) ON DELETE CASCADE,
      application_id text NOT NULL,
      tenant_id integer NOT NULL,
      revision integer NOT NULL,
      prepared_at timestamptz NOT NULL DEFAULT now(),
      failed_revision integer,
      failure text,
      PRIMARY KEY (member_id, tenant_id),
      FOREIGN KEY (application_id, tenant_id) REFERENCES application_signups(application_id, tenant_id) ON DELETE CASCADE)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE tenant_preparations`);
    await q.query(`DROP TABLE application_signups`);
  }
}
