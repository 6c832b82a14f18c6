import type { EntityManager } from 'typeorm';

/** A repository as stored: its password sealed by the controller's secret box. */
export interface StoredArtifactRepository {
  alias: string;
  repoUrl: string;
  privateRepo?: boolean;
  repoUsername?: string;
  repoPassword?: string;
  /** Sealed too: what a git hook for this repository proves. */
  hookSecret?: string;
}

export interface StoredSignUp {
  applicationId: string;
  tenantId: number;
  tenantDomain: string;
  artifactRepositories: StoredArtifactRepository[];
  revision: number;
  /** Moved by a git hook for one of its repositories: every member pulls the tenant's checkout. */
  artifactsRevision: number;
  createdAt: Date;
  updatedAt: Date;
  activeAt: Date | null;
}

const COLUMNS = `s.application_id AS "applicationId", s.tenant_id AS "tenantId", t.domain AS "tenantDomain",
  s.artifact_repositories AS "artifactRepositories", s.revision, s.artifacts_revision AS "artifactsRevision", s.created_at AS "createdAt", s.updated_at AS "updatedAt", s.active_at AS "activeAt"`;

/** Raw SQL: two small tables whose reads all join the tenant's domain. */
export class SignUpRepository {
  constructor(private readonly manager: EntityManager) {}

  /** Inserts the sign-up, or false when the tenant has one to this application already. */
  async insert(signUp: { applicationId: string; tenantId: number; artifactRepositories: StoredArtifactRepository[] }): Promise<boolean> {
    const rows = (await this.manager.query(
      `INSERT INTO application_signups (application_id, tenant_id, artifact_repositories) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING tenant_id`,
      [signUp.applicationId, signUp.tenantId, JSON.stringify(signUp.artifactRepositories)],
    )) as unknown[];
    return rows.length > 0;
  }

  async find(applicationId: string, tenantId: number): Promise<StoredSignUp | null> {
    const rows = (await this.manager.query(`SELECT ${COLUMNS} FROM application_signups s JOIN tenants t ON t.id = s.tenant_id WHERE s.application_id = $1 AND s.tenant_id = $2`, [applicationId, tenantId])) as StoredSignUp[];
    return rows[0] ?? null;
  }

  /** An application's sign-ups (of active tenants only, with `activeTenantsOnly`), by tenant domain. */
  async ofApplication(applicationId: string, options: { activeTenantsOnly?: boolean } = {}): Promise<StoredSignUp[]> {
    return (await this.manager.query(
      `SELECT ${COLUMNS} FROM application_signups s JOIN tenants t ON t.id = s.tenant_id
        WHERE s.application_id = $1 ${options.activeTenantsOnly ? 'AND t.active' : ''} ORDER BY t.domain`,
      [applicationId],
    )) as StoredSignUp[];
  }

  /** The sign-ups of these applications (of active tenants only), every one, by application and tenant domain: a git hook looks for its repository among them. */
  async ofApplications(applicationIds: string[]): Promise<StoredSignUp[]> {
    if (applicationIds.length === 0) return [];
    return (await this.manager.query(
      `SELECT ${COLUMNS} FROM application_signups s JOIN tenants t ON t.id = s.tenant_id WHERE s.application_id = ANY($1) AND t.active ORDER BY s.application_id, t.domain`,
      [applicationIds],
    )) as StoredSignUp[];
  }

  /** A git hook moved these sign-ups' artifacts: their members pull. */
  async bumpArtifactsRevisions(signUps: { applicationId: string; tenantId: number }[]): Promise<void> {
    for (const s of signUps) {
      await this.manager.query(`UPDATE application_signups SET artifacts_revision = artifacts_revision + 1 WHERE application_id = $1 AND tenant_id = $2`, [s.applicationId, s.tenantId]);
    }
  }

  /** The applications a tenant signed up to. */
  async applicationsOf(tenantId: number): Promise<string[]> {
    const rows = (await this.manager.query(`SELECT application_id FROM application_signups WHERE tenant_id = $1`, [tenantId])) as { application_id: string }[];
    return rows.map((r) => r.application_id);
  }

  async delete(applicationId: string, tenantId: number): Promise<boolean> {
    const [, deleted] = (await this.manager.query(`DELETE FROM application_signups WHERE application_id = $1 AND tenant_id = $2`, [applicationId, tenantId])) as [unknown[], number];
    return deleted > 0;
  }

  /** A member prepared the tenant at this revision (a later confirmation of an older revision changes nothing); an earlier failure is forgotten. */
  async recordPreparation(memberId: string, applicationId: string, tenantId: number, revision: number): Promise<void> {
    await this.manager.query(
      `INSERT INTO tenant_preparations (member_id, application_id, tenant_id, revision) VALUES ($1, $2, $3, $4)
         ON CONFLICT (member_id, tenant_id) DO UPDATE SET revision = GREATEST(tenant_preparations.revision, EXCLUDED.revision), prepared_at = now(),
           failed_revision = NULL, failure = NULL`,
      [memberId, applicationId, tenantId, revision],
    );
  }

  /** A member could not prepare the tenant at this revision, and why (what it said; never a credential: the agent scrubs them). */
  async recordFailure(memberId: string, applicationId: string, tenantId: number, revision: number, failure: string): Promise<void> {
    await this.manager.query(
      `INSERT INTO tenant_preparations (member_id, application_id, tenant_id, revision, failed_revision, failure) VALUES ($1, $2, $3, 0, $4, $5)
         ON CONFLICT (member_id, tenant_id) DO UPDATE SET failed_revision = EXCLUDED.failed_revision, failure = EXCLUDED.failure`,
      [memberId, applicationId, tenantId, revision, failure],
    );
  }

  /** member id → the revision it prepared, and its last failure, for one sign-up. */
  async preparations(applicationId: string, tenantId: number): Promise<Map<string, { revision: number; failure: { revision: number; message: string } | null }>> {
    const rows = (await this.manager.query(`SELECT member_id, revision, failed_revision, failure FROM tenant_preparations WHERE application_id = $1 AND tenant_id = $2`, [applicationId, tenantId])) as {
      member_id: string;
      revision: number;
      failed_revision: number | null;
      failure: string | null;
    }[];
    return new Map(rows.map((r) => [r.member_id, { revision: r.revision, failure: r.failed_revision === null ? null : { revision: r.failed_revision, message: r.failure ?? '' } }]));
  }

  /** Marks it Active (once per revision); whether it changed. */
  async markActive(applicationId: string, tenantId: number, revision: number): Promise<boolean> {
    const [, updated] = (await this.manager.query(
      `UPDATE application_signups SET active_at = now() WHERE application_id = $1 AND tenant_id = $2 AND revision = $3 AND active_at IS NULL`,
      [applicationId, tenantId, revision],
    )) as [unknown[], number];
    return updated > 0;
  }
}

export interface StoredDomainMapping {
  domainName: string;
  applicationId: string;
  tenantId: number;
  tenantDomain: string;
  cartridgeAlias: string;
  contextPath: string;
  createdAt: Date;
}

/** Tenants' domain mappings; each domain belongs to one tenant platform-wide. */
export class DomainMappingRepository {
  constructor(private readonly manager: EntityManager) {}

  /** Inserts the mapping, or false when the domain is mapped already (by anyone). */
  async insert(mapping: Omit<StoredDomainMapping, 'tenantDomain' | 'createdAt'>): Promise<boolean> {
    const rows = (await this.manager.query(
      `INSERT INTO domain_mappings (domain_name, application_id, tenant_id, cartridge_alias, context_path) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (domain_name) DO NOTHING RETURNING domain_name`,
      [mapping.domainName, mapping.applicationId, mapping.tenantId, mapping.cartridgeAlias, mapping.contextPath],
    )) as unknown[];
    return rows.length > 0;
  }

  /** An application's mappings: one tenant's, or every (active, with `activeTenantsOnly`) tenant's; by domain. */
  async ofApplication(applicationId: string, options: { tenantId?: number; activeTenantsOnly?: boolean } = {}): Promise<StoredDomainMapping[]> {
    return (await this.manager.query(
      `SELECT d.domain_name AS "domainName", d.application_id AS "applicationId", d.tenant_id AS "tenantId", t.domain AS "tenantDomain",
              d.cartridge_alias AS "cartridgeAlias", d.context_path AS "contextPath", d.created_at AS "createdAt"
         FROM domain_mappings d JOIN tenants t ON t.id = d.tenant_id
        WHERE d.application_id = $1 AND ($2::int IS NULL OR d.tenant_id = $2) ${options.activeTenantsOnly ? 'AND t.active' : ''}
        ORDER BY d.domain_name`,
      [applicationId, options.tenantId ?? null],
    )) as StoredDomainMapping[];
  }

  async delete(applicationId: string, tenantId: number, domainName: string): Promise<boolean> {
    const [, deleted] = (await this.manager.query(`DELETE FROM domain_mappings WHERE application_id = $1 AND tenant_id = $2 AND domain_name = $3`, [applicationId, tenantId, domainName])) as [unknown[], number];
    return deleted > 0;
  }
}
