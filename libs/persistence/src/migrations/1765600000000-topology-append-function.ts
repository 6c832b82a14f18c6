import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A topology event appended in one round trip: the revision lock, the next revision and the row,
 * in a function (each statement of a volatile PL/pgSQL function reads a fresh snapshot in READ
 * COMMITTED, so the maximum is read after the lock is held). Three round trips were a third of a
 * cartridge create's time in the database.
 */
export class TopologyAppendFunction1765600000000 implements MigrationInterface {
  name = 'TopologyAppendFunction1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION stratos_append_topology_event(p_lock bigint, p_event_id uuid, p_type text, p_payload jsonb, p_created_at timestamptz) RETURNS bigint
      LANGUAGE plpgsql VOLATILE AS $$
      DECLARE next_revision bigint;
      BEGIN
        PERFORM pg_advisory_xact_lock(p_lock);
        SELECT COALESCE(MAX(e.revision), 0) + 1 INTO next_revision FROM topology_events e;
        INSERT INTO topology_events (revision, event_id, type, payload, created_at) VALUES (next_revision, p_event_id, p_type, p_payload, p_created_at);
        RETURN next_revision;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION stratos_append_topology_event(bigint, uuid, text, jsonb, timestamptz)`);
  }
}
