import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every write to the API (who, what, when, outcome); and an index for purging old topology events by age. */
export class AuditLog1764900000000 implements MigrationInterface {
  name = 'AuditLog1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE audit_log (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      actor text,
      address text NOT NULL,
      request_id text NOT NULL,
      method text NOT NULL,
      path text NOT NULL,
      route text,
      status integer NOT NULL,
      outcome text NOT NULL,
      duration_ms integer NOT NULL)`);
    await q.query(`CREATE INDEX audit_log_at ON audit_log (at)`);
    await q.query(`CREATE INDEX audit_log_actor_at ON audit_log (actor, at)`);
    await q.query(`CREATE INDEX topology_events_created_at ON topology_events (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX topology_events_created_at`);
    await q.query(`DROP TABLE audit_log`);
  }
}
