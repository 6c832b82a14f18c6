import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Partitions closed to new members (`stratos partition drain`): kept until uncordoned, across restarts. */
export class PartitionCordons1766100000000 implements MigrationInterface {
  name = 'PartitionCordons1766100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE partition_cordons (
      network_partition_id text NOT NULL,
      partition_id text NOT NULL,
      cordoned_at timestamptz NOT NULL,
      cordoned_by text NOT NULL,
      PRIMARY KEY (network_partition_id, partition_id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE partition_cordons`);
  }
}
