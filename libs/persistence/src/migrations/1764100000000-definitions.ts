import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Definitions1764100000000 implements MigrationInterface {
  name = 'Definitions1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE definitions (
      kind text NOT NULL,
      id text NOT NULL,
      definition jsonb NOT NULL,
      refs jsonb NOT NULL DEFAULT '[]',
      generation integer NOT NULL DEFAULT 1,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (kind, id))`);
    await q.query(`CREATE INDEX definitions_refs ON definitions USING gin (refs jsonb_path_ops)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE definitions`);
  }
}
