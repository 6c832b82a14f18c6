import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tenants' domains, each served by one cluster of an application they signed up to; they go with the sign-up. */
export class DomainMappings1765200000000 implements MigrationInterface {
  name = 'DomainMappings1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE domain_mappings (
      domain_name text PRIMARY KEY,
      application_id text NOT NULL,
      tenant_id integer NOT NULL,
      cartridge_alias text NOT NULL,
      context_path text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      FOREIGN KEY (application_id, tenant_id) REFERENCES application_signups(application_id, tenant_id) ON DELETE CASCADE)`);
    await q.query(`CREATE INDEX domain_mappings_application ON domain_mappings (application_id, tenant_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE domain_mappings`);
  }
}
