import { In, IsNull, type EntityManager } from 'typeorm';
import type { ApplicationStatus, ClusterCrashes, ClusterSpec, ClusterStatus, EventCursor, MemberHealth, MemberStatus, RuntimePage } from '@stratos/contracts';
import type { ClusterMemberCount } from '../read-models/member-counts-cache';
import { ClusterEntity, DeploymentEntity, MemberEntity, MemberMigrationEntity, OperationEntity } from '../entities/runtime.entities';

/** The advisory-lock class of members' agent events (the second key: the member id's hash). */
const EVENT_ORDER_LOCK = 0x5e7e0d01;

/** Deployments, clusters, members and operations: the runtime's desired and recorded state. */
export class RuntimeRepository {
  constructor(private readonly manager: EntityManager) {}

  findDeployment(applicationId: string): Promise<DeploymentEntity | null> {
    return this.manager.getRepository(DeploymentEntity).findOneBy({ applicationId });
  }

  /** Every deployment made from an application definition: the platform's and tenants' own. */
  deploymentsOf(definitionId: string): Promise<DeploymentEntity[]> {
    return this.manager.getRepository(DeploymentEntity).find({ where: { definitionId }, order: { applicationId: 'ASC' } });
  }

  /** Every deployment made from an application definition, their rows locked until the transaction ends. */
  lockDeploymentsOf(definitionId: string): Promise<DeploymentEntity[]> {
    return this.manager.getRepository(DeploymentEntity).createQueryBuilder('d').setLock('pessimistic_write').where('d.definition_id = :definitionId', { definitionId }).orderBy('d.application_id', 'ASC').getMany();
  }

  /** Locks the deployment row until the transaction ends. */
  lockDeployment(applicationId: string): Promise<DeploymentEntity | null> {
    return this.manager.getRepository(DeploymentEntity).createQueryBuilder('d').setLock('pessimistic_write').where('d.application_id = :applicationId', { applicationId }).getOne();
  }

  /** The deployed application whose members hold this metadata token, or null. */
  findDeploymentByMetadataToken(token: string): Promise<DeploymentEntity | null> {
    return this.manager.getRepository(DeploymentEntity).findOneBy({ metadataToken: token });
  }

  deployments(): Promise<DeploymentEntity[]> {
    return this.manager.getRepository(DeploymentEntity).find({ order: { applicationId: 'ASC' } });
  }

  async insertDeployment(row: DeploymentEntity): Promise<boolean> {
    const result = await this.manager.createQueryBuilder().insert().into(DeploymentEntity).values(row).orIgnore().returning(['application_id']).execute();
    return (result.raw as unknown[]).length > 0;
  }

  async saveDeployment(row: DeploymentEntity): Promise<void> {
    await this.manager.getRepository(DeploymentEntity).save(row);
  }

  /**
   * Moves a deployed application from one status to another, only if it is still deployed and
   * in `from`: a reconcile pass must never write back a row it read before an undeploy.
   */
  async setDeploymentStatus(applicationId: string, from: ApplicationStatus, to: ApplicationStatus): Promise<boolean> {
    const result = await this.manager.getRepository(DeploymentEntity).update({ applicationId, status: from, desired: true }, { status: to, updatedAt: new Date() });
    return (result.affected ?? 0) > 0;
  }

  /** A cluster's new spec, at its new revision (a rolling upgrade replaces members of older ones). */
  async setClusterSpec(clusterId: string, spec: ClusterSpec, revision: number): Promise<void> {
    await this.manager.getRepository(ClusterEntity).update({ clusterId }, { spec, revision });
  }

  /** A cluster's crash loop as the reconciler sees it (null: none, or forgiven). */
  async setClusterCrashes(clusterId: string, crashes: ClusterCrashes | null): Promise<void> {
    await this.manager.getRepository(ClusterEntity).update({ clusterId }, { crashes });
  }

  /** The autoscaler's member count for a cluster (null: its minimum). */
  async setDesiredMembers(clusterId: string, desiredMembers: number | null): Promise<void> {
    await this.manager.getRepository(ClusterEntity).update({ clusterId }, { desiredMembers });
  }

  async setClusterBounds(clusterId: string, bounds: { minMembers: number; maxMembers: number }): Promise<void> {
    await this.manager.getRepository(ClusterEntity).update({ clusterId }, bounds);
  }

  /** Moves each cluster's artifact revision on by one. */
  async bumpArtifactRevisions(clusterIds: string[]): Promise<void> {
    if (clusterIds.length) await this.manager.getRepository(ClusterEntity).increment({ clusterId: In(clusterIds) }, 'artifactRevision', 1);
  }

  async setClusterStatus(clusterId: string, status: ClusterStatus): Promise<void> {
    await this.manager.getRepository(ClusterEntity).update({ clusterId }, { status });
  }

  /** Clusters gone with their group instance (their members first: members reference them). */
  async deleteClusters(clusterIds: string[]): Promise<void> {
    if (clusterIds.length) await this.manager.getRepository(ClusterEntity).delete({ clusterId: In(clusterIds) });
  }

  async deleteDeployment(applicationId: string): Promise<void> {
    await this.manager.getRepository(DeploymentEntity).delete({ applicationId });
  }

  async insertClusters(rows: ClusterEntity[]): Promise<void> {
    if (rows.length) await this.manager.getRepository(ClusterEntity).insert(rows as never);
  }

  /** How many members are in each state, per driver (terminated ones are gone from the table). */
  async memberCounts(): Promise<{ status: string; driver: string; count: number }[]> {
    return (await this.manager.query(`SELECT status, driver, count(*)::int AS count FROM members GROUP BY status, driver`)) as { status: string; driver: string; count: number }[];
  }

  /** How many clusters are in a crash loop (ClusterCrashes recorded). */
  async crashLoopingClusters(): Promise<number> {
    const [row] = (await this.manager.query(`SELECT count(*)::int AS count FROM clusters WHERE crashes IS NOT NULL`)) as { count: number }[];
    return row.count;
  }

  /** Every deployment's clusters. */
  allClusters(): Promise<ClusterEntity[]> {
    return this.manager.getRepository(ClusterEntity).find({ order: { clusterId: 'ASC' } });
  }

  findCluster(clusterId: string): Promise<ClusterEntity | null> {
    return this.manager.getRepository(ClusterEntity).findOneBy({ clusterId });
  }

  clusters(applicationId: string): Promise<ClusterEntity[]> {
    return this.manager.getRepository(ClusterEntity).find({ where: { applicationId }, order: { createdAt: 'ASC', clusterId: 'ASC' } });
  }

  /**
   * The columns of a member row under their property names, from the entity's own metadata: the
   * hot reads below (every reconcile pass and metadata round reads all of an application's
   * members) go around TypeORM's query building and hydration, which cost more than the query.
   */
  private get memberColumns(): string {
    return this.memberColumnsOf('members');
  }

  /** The same, of the member table under `alias`, with its latest health (joined as `h`). */
  private memberColumnsOf(alias: string, withHealth = false): string {
    const columns = this.manager.connection.getMetadata(MemberEntity).columns.map((c) => `${alias}.${c.databaseName} AS "${c.propertyName}"`);
    return withHealth ? `${columns.join(', ')}, h.health AS "health"` : columns.join(', ');
  }

  /** With `withHealth`, each with its latest health statistics (null before its first report). */
  async members(filter: { applicationId?: string; clusterId?: string; withHealth?: boolean } = {}): Promise<MemberEntity[]> {
    const where: string[] = [];
    const values: string[] = [];
    if (filter.applicationId !== undefined) where.push(`m.application_id = $${values.push(filter.applicationId)}`);
    if (filter.clusterId !== undefined) where.push(`m.cluster_id = $${values.push(filter.clusterId)}`);
    const health = filter.withHealth ? 'LEFT JOIN member_health h ON h.member_id = m.member_id' : '';
    const sql = `SELECT ${this.memberColumnsOf('m', filter.withHealth)} FROM members m ${health} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY m.created_at, m.member_id`;
    return (await this.manager.query(sql, values)) as MemberEntity[];
  }

  /**
   * All the runtime view reads of an application, as one statement: its deployment, its clusters,
   * its members with their health (all of them, of `page.cluster` alone where given; or a page: at
   * most `page.members` + 1 of each cluster after `page.after`, each a walk of the (cluster_id,
   * member_id) index, so that a page costs the same in a cluster of 10 members and of 10,000) and
   * each cluster's member count by state (unless `withCounts` is false: the caller knows them). One round trip to one backend: on a busy machine each
   * of four parallel queries waited for a core of its own, and the view for the slowest of them.
   */
  async applicationView(applicationId: string, page: RuntimePage = {}, withCounts = true): Promise<{ deployment: DeploymentEntity | null; clusters: ClusterEntity[]; members: MemberEntity[]; counts: ClusterMemberCount[] | null }> {
    const values: (string | number)[] = [applicationId];
    const cluster = page.cluster !== undefined ? `AND cluster_id = $${values.push(page.cluster)}` : '';
    let members: string;
    let order: string;
    if (page.members === undefined) {
      order = 'm."createdAt", m."memberId"';
      members = `SELECT ${this.memberColumnsOf('m', true)} FROM members m LEFT JOIN member_health h ON h.member_id = m.member_id WHERE m.application_id = $1 ${cluster.replace('cluster_id', 'm.cluster_id')}`;
    } else {
      order = 'm."clusterId", m."memberId"';
      const limit = `$${values.push(page.members + 1)}`;
      const after = page.after !== undefined ? `AND member_id > $${values.push(page.after)}` : '';
      members = `SELECT ${this.memberColumnsOf('m', true)} FROM (SELECT cluster_id FROM clusters WHERE application_id = $1 ${cluster}) AS c CROSS JOIN LATERAL (SELECT * FROM members WHERE cluster_id = c.cluster_id AND application_id = $1 ${after} ORDER BY member_id LIMIT ${limit}) AS m LEFT JOIN member_health h ON h.member_id = m.member_id`;
    }
    const sql = `SELECT
      (SELECT row_to_json(d) FROM (SELECT ${this.columnsOf(DeploymentEntity, 'deployments')} FROM deployments WHERE application_id = $1) AS d) AS deployment,
      (SELECT COALESCE(json_agg(c ORDER BY c."createdAt", c."clusterId"), '[]') FROM (SELECT ${this.columnsOf(ClusterEntity, 'clusters')} FROM clusters WHERE application_id = $1) AS c) AS clusters,
      (SELECT COALESCE(json_agg(m ORDER BY ${order}), '[]') FROM (${members}) AS m) AS members,
      ${withCounts ? `(SELECT COALESCE(json_agg(k), '[]') FROM (SELECT cluster_id AS "clusterId", status, COUNT(*)::int AS count FROM members WHERE application_id = $1 GROUP BY cluster_id, status) AS k)` : 'NULL'} AS counts`;
    const [row] = (await this.manager.query(sql, values)) as { deployment: unknown; clusters: unknown[]; members: unknown[]; counts: ClusterMemberCount[] | null }[];
    return {
      deployment: row.deployment === null ? null : this.revived(DeploymentEntity, row.deployment),
      clusters: row.clusters.map((c) => this.revived(ClusterEntity, c)),
      members: row.members.map((m) => this.revived(MemberEntity, m)),
      counts: row.counts,
    };
  }

  /** An entity's columns under their property names, for a row read as JSON. */
  private columnsOf(entity: typeof DeploymentEntity | typeof ClusterEntity, alias: string): string {
    return this.manager.connection
      .getMetadata(entity)
      .columns.map((c) => `${alias}.${c.databaseName} AS "${c.propertyName}"`)
      .join(', ');
  }

  /** A row read as JSON with its timestamps as dates again (JSON has them as text). */
  private revived<T>(entity: new () => T, json: unknown): T {
    const row = json as Record<string, unknown>;
    for (const column of this.manager.connection.getMetadata(entity).columns) {
      const value = row[column.propertyName];
      if (column.type === 'timestamptz' && typeof value === 'string') row[column.propertyName] = new Date(value);
    }
    return row as T;
  }

  /** Those of these members that exist. */
  async findMembers(memberIds: string[]): Promise<MemberEntity[]> {
    if (memberIds.length === 0) return [];
    return (await this.manager.query(`SELECT ${this.memberColumns} FROM members WHERE member_id = ANY($1::text[])`, [memberIds])) as MemberEntity[];
  }

  /** Which of these member ids have a record: one array parameter (TypeORM's In() with thousands of parameters is quadratic in their count). */
  async existingMemberIds(memberIds: string[]): Promise<Set<string>> {
    if (memberIds.length === 0) return new Set();
    const rows = (await this.manager.query('SELECT member_id FROM members WHERE member_id = ANY($1::text[])', [memberIds])) as { member_id: string }[];
    return new Set(rows.map((r) => r.member_id));
  }

  findMember(memberId: string): Promise<MemberEntity | null> {
    return this.manager.getRepository(MemberEntity).findOneBy({ memberId });
  }

  lockMember(memberId: string): Promise<MemberEntity | null> {
    return this.manager.getRepository(MemberEntity).createQueryBuilder('m').setLock('pessimistic_write').where('m.member_id = :memberId', { memberId }).getOne();
  }

  /**
   * The member's agent-event cursor (the last event applied: event-order.ts), read under a lock of
   * that member's events held until the transaction ends — not the row's lock, which applying the
   * event takes. Undefined: no such member.
   */
  async lockEventCursor(memberId: string): Promise<EventCursor | null | undefined> {
    await this.manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [EVENT_ORDER_LOCK, memberId]);
    const [row] = (await this.manager.query('SELECT event_run, event_sequence FROM members WHERE member_id = $1', [memberId])) as { event_run: string | null; event_sequence: number | null }[];
    if (!row) return undefined;
    return row.event_run !== null && row.event_sequence !== null ? { run: row.event_run, sequence: row.event_sequence } : null;
  }

  async moveEventCursor(memberId: string, cursor: EventCursor): Promise<void> {
    await this.manager.query('UPDATE members SET event_run = $2, event_sequence = $3 WHERE member_id = $1', [memberId, cursor.run, cursor.sequence]);
  }

  async insertMember(row: MemberEntity): Promise<void> {
    await this.manager.getRepository(MemberEntity).insert(row as never);
  }

  async saveMember(row: MemberEntity): Promise<void> {
    await this.manager.getRepository(MemberEntity).save(row as never);
  }

  /**
   * Many members' latest health in one statement (the controller writes them in batches). A
   * member gone meanwhile is skipped (the join), not an error for the batch.
   */
  async updateHealthMany(reports: Map<string, MemberHealth>): Promise<void> {
    if (reports.size === 0) return;
    const rows = [...reports].map(([member_id, health]) => ({ member_id, health }));
    await this.manager.query(
      `INSERT INTO member_health (member_id, health) SELECT x.member_id, x.health FROM jsonb_to_recordset($1::jsonb) AS x(member_id text, health jsonb) JOIN members m ON m.member_id = x.member_id
       ON CONFLICT (member_id) DO UPDATE SET health = EXCLUDED.health`,
      [JSON.stringify(rows)],
    );
  }

  async deleteMember(memberId: string): Promise<void> {
    await this.manager.getRepository(MemberEntity).delete({ memberId });
  }

  async countMembers(status?: MemberStatus): Promise<number> {
    return this.manager.getRepository(MemberEntity).count(status ? { where: { status } } : {});
  }

  async insertOperation(row: OperationEntity): Promise<void> {
    await this.manager.getRepository(OperationEntity).insert(row);
  }

  findOperation(operationId: string): Promise<OperationEntity | null> {
    return this.manager.getRepository(OperationEntity).findOneBy({ operationId });
  }

  async finishOperation(operationId: string, status: 'succeeded' | 'failed', message: string): Promise<void> {
    await this.manager.getRepository(OperationEntity).update({ operationId, status: 'running' }, { status, message, finishedAt: new Date() });
  }

  /** A new migration; false when the member has one running already (one at a time). */
  async insertMigration(row: MemberMigrationEntity): Promise<boolean> {
    const result = (await this.manager.query(
      `INSERT INTO member_migrations (migration_id, member_id, application_id, cluster_id, mode, source, target, phase, copied_bytes, started_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9) ON CONFLICT DO NOTHING RETURNING migration_id`,
      [row.migrationId, row.memberId, row.applicationId, row.clusterId, row.mode, JSON.stringify(row.source), JSON.stringify(row.target), row.phase, row.startedAt],
    )) as unknown[];
    return result.length === 1;
  }

  async saveMigration(row: MemberMigrationEntity): Promise<void> {
    await this.manager.getRepository(MemberMigrationEntity).save(row);
  }

  findMigration(migrationId: string): Promise<MemberMigrationEntity | null> {
    return this.manager.getRepository(MemberMigrationEntity).findOneBy({ migrationId });
  }

  /** Migrations not finished (a controller that restarts carries them on). */
  unfinishedMigrations(): Promise<MemberMigrationEntity[]> {
    return this.manager.getRepository(MemberMigrationEntity).find({ where: { finishedAt: IsNull() }, order: { startedAt: 'ASC' } });
  }

  /** Partitions closed to new members, as NETWORK_PARTITION/PARTITION. */
  async cordoned(): Promise<Set<string>> {
    const rows = (await this.manager.query(`SELECT network_partition_id, partition_id FROM partition_cordons`)) as { network_partition_id: string; partition_id: string }[];
    return new Set(rows.map((r) => `${r.network_partition_id}/${r.partition_id}`));
  }

  /** Safe to repeat (the first cordon's time and author stay). */
  async cordon(networkPartitionId: string, partitionId: string, by: string): Promise<void> {
    await this.manager.query(`INSERT INTO partition_cordons (network_partition_id, partition_id, cordoned_at, cordoned_by) VALUES ($1, $2, now(), $3) ON CONFLICT DO NOTHING`, [networkPartitionId, partitionId, by]);
  }

  /** Whether it was cordoned. */
  async uncordon(networkPartitionId: string, partitionId: string): Promise<boolean> {
    const [, removed] = (await this.manager.query(`DELETE FROM partition_cordons WHERE network_partition_id = $1 AND partition_id = $2`, [networkPartitionId, partitionId])) as [unknown, number];
    return removed > 0;
  }
}
