import type { EntityManager } from 'typeorm';

export interface MetadataProperty {
  key: string;
  values: string[];
}

/** Where a property lives: an application, or one cluster of it. */
export interface MetadataScope {
  applicationId: string;
  /** Absent: the application's own properties. */
  clusterId?: string;
}

/**
 * Stratos's metadata properties. Adding to a key appends the values it does not hold yet, in
 * one statement, so concurrent writers lose nothing.
 */
export class MetadataRepository {
  constructor(private readonly manager: EntityManager) {}

  async list(scope: MetadataScope): Promise<MetadataProperty[]> {
    const rows = (await this.manager.query(`SELECT key, "values" FROM metadata_properties WHERE application_id = $1 AND cluster_id = $2 ORDER BY key`, [
      scope.applicationId,
      scope.clusterId ?? '',
    ])) as MetadataProperty[];
    return rows;
  }

  /** Every property of an application and its clusters, by cluster ('' for the application's own). */
  async all(applicationId: string): Promise<Map<string, MetadataProperty[]>> {
    const rows = (await this.manager.query(`SELECT cluster_id, key, "values" FROM metadata_properties WHERE application_id = $1 ORDER BY cluster_id, key`, [applicationId])) as (MetadataProperty & {
      cluster_id: string;
    })[];
    const out = new Map<string, MetadataProperty[]>();
    for (const row of rows) out.set(row.cluster_id, [...(out.get(row.cluster_id) ?? []), { key: row.key, values: row.values }]);
    return out;
  }

  async add(scope: MetadataScope, property: MetadataProperty): Promise<MetadataProperty> {
    const [row] = (await this.manager.query(
      `INSERT INTO metadata_properties AS p (application_id, cluster_id, key, "values", updated_at)
       VALUES ($1, $2, $3, ARRAY(SELECT v FROM (SELECT v, min(i) AS i FROM unnest($4::text[]) WITH ORDINALITY AS t(v, i) GROUP BY v) d ORDER BY i), now())
       ON CONFLICT (application_id, cluster_id, key) DO UPDATE
         SET "values" = p."values" || ARRAY(SELECT v FROM unnest(EXCLUDED."values") v WHERE v <> ALL (p."values")), updated_at = now()
       RETURNING key, "values"`,
      [scope.applicationId, scope.clusterId ?? '', property.key, property.values],
    )) as MetadataProperty[];
    return row;
  }

  /** Removes one key (or, with `value`, one of its values); false when there was nothing to remove. */
  async remove(scope: MetadataScope, key: string, value?: string): Promise<boolean> {
    if (value === undefined) {
      const result = (await this.manager.query(`DELETE FROM metadata_properties WHERE application_id = $1 AND cluster_id = $2 AND key = $3 RETURNING key`, [scope.applicationId, scope.clusterId ?? '', key])) as unknown[];
      return result.length > 0;
    }
    const result = (await this.manager.query(
      `UPDATE metadata_properties SET "values" = array_remove("values", $4), updated_at = now() WHERE application_id = $1 AND cluster_id = $2 AND key = $3 AND $4 = ANY ("values") RETURNING key`,
      [scope.applicationId, scope.clusterId ?? '', key, value],
    )) as unknown[];
    await this.manager.query(`DELETE FROM metadata_properties WHERE application_id = $1 AND cluster_id = $2 AND key = $3 AND cardinality("values") = 0`, [scope.applicationId, scope.clusterId ?? '', key]);
    return result.length > 0;
  }

  /** The next revision of the metadata trees (increasing across controller restarts). */
  async nextRevision(): Promise<number> {
    const [row] = (await this.manager.query(`SELECT nextval('metadata_revisions') AS n`)) as { n: string }[];
    return Number(row.n);
  }

  /** Everything of an application (its own and its clusters'). */
  async clear(applicationId: string): Promise<number> {
    const result = (await this.manager.query(`DELETE FROM metadata_properties WHERE application_id = $1 RETURNING key`, [applicationId])) as unknown[];
    return result.length;
  }
}
