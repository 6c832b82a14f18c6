import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The host a member was launched on (its launching controller's STRATOS_HOME/host-id), for the
 * drivers whose instances are a host's processes (local): a controller of another host does not
 * list it and must not take it for gone. Null: launched before hosts were told apart (this host's).
 */
export class MemberLaunchedOn1767000000000 implements MigrationInterface {
  name = 'MemberLaunchedOn1767000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE members ADD COLUMN launched_on text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE members DROP COLUMN launched_on`);
  }
}
