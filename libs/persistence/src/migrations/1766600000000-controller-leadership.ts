import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Controllers sharing the database: one leads at a time (it holds a session advisory lock), and
 * each leadership has a term, one higher than the last; writes that start or stop members check
 * the term they were made under (a deposed leader's are refused).
 */
export class ControllerLeadership1766600000000 implements MigrationInterface {
  name = 'ControllerLeadership1766600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE controller_leadership (
      id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
      term bigint NOT NULL,
      leader text NULL,
      since timestamptz NULL
    )`);
    await q.query(`INSERT INTO controller_leadership (id, term) VALUES (1, 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE controller_leadership`);
  }
}
