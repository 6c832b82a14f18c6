import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The last agent event applied to a member (libs/contracts event-order.ts): its agent process
 * (`event_run`) and its number there (`event_sequence`). Controllers share the agents' events;
 * this is how any of them applies each once and in order. Null: none applied since.
 */
export class MemberEventCursor1767100000000 implements MigrationInterface {
  name = 'MemberEventCursor1767100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE members ADD COLUMN event_run text, ADD COLUMN event_sequence integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE members DROP COLUMN event_run, DROP COLUMN event_sequence`);
  }
}
