import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenants (Stratos's: a domain with its own admin and users) and the roles inside them. A user
 * with no tenant belongs to the platform; deleting a tenant deletes its users, and with them
 * their tokens.
 */
export class Tenants1765000000000 implements MigrationInterface {
  name = 'Tenants1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE tenants (
      id serial PRIMARY KEY,
      domain text NOT NULL UNIQUE,
      email text NOT NULL,
      first_name text,
      last_name text,
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`ALTER TABLE users
      ADD COLUMN tenant_id integer REFERENCES tenants(id) ON DELETE CASCADE,
      ADD COLUMN email text,
      ADD COLUMN first_name text,
      ADD COLUMN last_name text`);
    await q.query(`ALTER TABLE users DROP CONSTRAINT users_role_check`);
    await q.query(`ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (
      (tenant_id IS NULL AND role IN ('admin', 'user')) OR (tenant_id IS NOT NULL AND role IN ('tenant-admin', 'tenant-user')))`);
    await q.query(`CREATE INDEX users_tenant_id ON users (tenant_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM users WHERE tenant_id IS NOT NULL`);
    await q.query(`ALTER TABLE users DROP CONSTRAINT users_role_check`);
    await q.query(`ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'user'))`);
    await q.query(`ALTER TABLE users DROP COLUMN tenant_id, DROP COLUMN email, DROP COLUMN first_name, DROP COLUMN last_name`);
    await q.query(`DROP TABLE tenants`);
  }
}
