import type { EntityManager } from 'typeorm';

export interface MetadataProperty {
  key: string;
  values: string[];
}

/** Where a property lives: an application, one cluster of it, or one tenant signed up to it. */
export interface MetadataScope {
  applicationId: string;
  /** Absent: the application's own properties. */
  clusterId?: string;
  /** A tenant's own properties on a shared application it signed up to (its members' /tenants/<id>/env). */
  tenantId?: number;
}

/** A tenant's properties are kept beside the clusters', under a cluster id no cluster can have (ids have no ':'). */
const TENANT_SCOPE = 'tenant:';
const scopeColumn = (scope: MetadataScope) => (scope.tenantId !== undefined ? `${TENANT_SCOPE}${scope.tenantId}` : (scope.clusterId ?? ''));

/**
 * Stratos's metadata properties. Adding to a key appends the values it does not hold yet, in
 * one statement, so concurrent writers lose nothing.
 */
export class MetadataRepository {
  constructor(private readonly manager: EntityManager) {}

  async list(scope: MetadataScope): Promise<MetadataProperty[]> {
    const rows = (await this.manager.query(`SELECT key, "values" FROM metadata_properties WHERE application_id = $1 AND cluster_id = $2 ORDER BY key`, [
      scope.applicationId,
      scopeColumn(scope),
    ])) as MetadataProperty[];
    return rows;
  }

  /** Every property of an application and its clusters, by cluster ('' for the application's own); and its tenants', by tenant id. */
  async all(applicationId: string): Promise<{ byCluster: Map<string, MetadataProperty[]>; byTenant: Map<number, MetadataProperty[]> }> {
    const rows = (await this.manager.query(`SELECT cluster_id, key, "values" FROM metadata_properties WHERE application_id = $1 ORDER BY cluster_id, key`, [applicationId])) as (MetadataProperty & {
      cluster_id: string;
    })[];
    const byCluster = new Map<string, MetadataProperty[]>();
    const byTenant = new Map<number, MetadataProperty[]>();
    for (const row of rows) {
      const property = { key: row.key, values: row.values };
      if (row.cluster_id.startsWith(TENANT_SCOPE)) {
        const tenantId = Number(row.cluster_id.slice(TENANT_SCOPE.length));
        byTenant.set(tenantId, [...(byTenant.get(tenantId) ?? []), property]);
      } else byCluster.set(row.cluster_id, [...(byCluster.get(row.cluster_id) ?? []), property]);
    }
    return { byCluster, byTenant };
  }

  /** A tenant's properties on an application (its sign-up went); without `only`, every tenant's that has no sign-up to the application any more. */
  async clearTenants(only?: { applicationId: string; tenantId: number }): Promise<number> {
    const result = (await (only
      ? this.manager.query(`DELETE FROM metadata_properties WHERE application_id = $1 AND cluster_id = $2 RETURNING key`, [only.applicationId, `${TENANT_SCOPE}${only.tenantId}`])
      : this.manager.query(
          `DELETE FROM metadata_properties m WHERE m.cluster_id LIKE '${TENANT_SCOPE}%'
             AND NOT EXISTS (SELECT 1 FROM application_signups s WHERE s.application_id = m.application_id AND '${TENANT_SCOPE}' || s.tenant_id = m.cluster_id) RETURNING key`,
        ))) as unknown[];
    return result.length;
  }

  async add(scope: MetadataScope, property: MetadataProperty): Promise<MetadataProperty> {
    const [row] = (await this.manager.query(
      `INSERT INTO metadata_properties AS p (application_id, cluster_id, key, "values", updated_at)
       VALUES ($1, $2, $3, ARRAY(SELECT v FROM (SELECT v, min(i) AS i FROM unnest($4::text[]) WITH ORDINALITY AS t(v, i) GROUP BY v) d ORDER BY i), now())
       ON CONFLICT (application_id, cluster_id, key) DO UPDATE
         SET "values" = p."values" || ARRAY(SELECT v FROM unnest(EXCLUDED."values") v WHERE v <> ALL (p."values")), updated_at = now()
       RETURNING key, "values"`,
      [scope.applicationId, scopeColumn(scope), property.key, property.values],
    )) as MetadataProperty[];
    return row;
  }

  /** Removes one key (or, with `value`, one of its values); false when there was nothing to remove. */
  async remove(scope: MetadataScope, key: string, value?: string): Promise<boolean> {
    if (value === undefined) {
      const result = (await this.manager.query(`DELETE FROM metadata_properties WHERE application_id = $1 AND cluster_id = $2 AND key = $3 RETURNING key`, [scope.applicationId, scopeColumn(scope), key])) as unknown[];
      return result.length > 0;
    }
    const result = (await this.manager.query(
      `UPDATE metadata_properties SET "values" = array_remove("values", $4), updated_at = now() WHERE application_id = $1 AND cluster_id = $2 AND key = $3 AND $4 = ANY ("values") RETURNING key`,
      [scope.applicationId, scopeColumn(scope), key, value],
    )) as unknown[];
    await this.manager.query(`DELETE FROM metadata_properties WHERE application_id = $1 AND cluster_id = $2 AND key = $3 AND cardinality("values") = 0`, [scope.applicationId, scopeColumn(scope), key]);
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
