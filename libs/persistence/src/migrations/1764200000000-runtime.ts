import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Runtime1764200000000 implements MigrationInterface {
  name = 'Runtime1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE deployments (
      application_id text PRIMARY KEY,
      policy_id text NOT NULL,
      status text NOT NULL,
      desired boolean NOT NULL,
      force boolean NOT NULL DEFAULT false,
      operation_id uuid NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL)`);
    await q.query(`CREATE TABLE clusters (
      cluster_id text PRIMARY KEY,
      application_id text NOT NULL REFERENCES deployments(application_id) ON DELETE CASCADE,
      alias text NOT NULL,
      service_name text NOT NULL,
      group_path jsonb NOT NULL,
      status text NOT NULL,
      min_members integer NOT NULL,
      max_members integer NOT NULL,
      deployment_policy text NOT NULL,
      starts_after jsonb NOT NULL,
      spec jsonb NOT NULL,
      created_at timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX clusters_application ON clusters (application_id)`);
    await q.query(`CREATE TABLE members (
      member_id text PRIMARY KEY,
      cluster_id text NOT NULL REFERENCES clusters(cluster_id) ON DELETE CASCADE,
      application_id text NOT NULL,
      status text NOT NULL,
      network_partition_id text NOT NULL,
      partition_id text NOT NULL,
      driver text NOT NULL,
      instance_id text,
      host text,
      ports jsonb NOT NULL,
      health jsonb,
      created_at timestamptz NOT NULL,
      status_changed_at timestamptz NOT NULL,
      activated_at timestamptz)`);
    await q.query(`CREATE INDEX members_cluster ON members (cluster_id)`);
    await q.query(`CREATE TABLE operations (
      operation_id uuid PRIMARY KEY,
      kind text NOT NULL,
      application_id text NOT NULL,
      status text NOT NULL,
      message text NOT NULL,
      started_at timestamptz NOT NULL,
      finished_at timestamptz)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE operations`);
    await q.query(`DROP TABLE members`);
    await q.query(`DROP TABLE clusters`);
    await q.query(`DROP TABLE deployments`);
  }
}
