import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The check value of the key that seals secrets at rest (an HMAC of a constant under it, never
 * the key): controllers on other hosts must hold the same key, and one that does not is refused.
 */
export class SecretKeyCheck1766800000000 implements MigrationInterface {
  name = 'SecretKeyCheck1766800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE platform_identity ADD COLUMN secret_key_check text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE platform_identity DROP COLUMN secret_key_check`);
  }
}
