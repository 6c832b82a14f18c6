import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Failed logins per user and per address in the current window: shared by every manager. */
export class LoginThrottle1764800000000 implements MigrationInterface {
  name = 'LoginThrottle1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE login_failures (
      key text PRIMARY KEY,
      failures integer NOT NULL,
      window_start timestamptz NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE login_failures`);
  }
}
