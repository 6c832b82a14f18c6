import type { EntityManager } from 'typeorm';
import { TenantEntity } from '../entities/tenant.entity';

export type StoredTenant = TenantEntity;

export interface TenantProfile {
  email: string;
  firstName: string | null;
  lastName: string | null;
  maxDeployments?: number | null;
  maxMembers?: number | null;
}

export class TenantRepository {
  constructor(private readonly manager: EntityManager) {}

  /** The new tenant, or null when the domain is taken. */
  async insertIfAbsent(tenant: { domain: string; active: boolean } & TenantProfile): Promise<StoredTenant | null> {
    const now = new Date();
    const result = await this.manager
      .createQueryBuilder()
      .insert()
      .into(TenantEntity)
      .values({ ...tenant, createdAt: now, updatedAt: now })
      .orIgnore()
      .returning(['id'])
      .execute();
    const row = (result.raw as { id: number }[])[0];
    return row ? this.findById(row.id) : null;
  }

  findByDomain(domain: string): Promise<StoredTenant | null> {
    return this.manager.getRepository(TenantEntity).findOneBy({ domain: domain.toLowerCase() });
  }

  findById(id: number): Promise<StoredTenant | null> {
    return this.manager.getRepository(TenantEntity).findOneBy({ id });
  }

  /** Every tenant, or those whose domain contains `fragment`, by domain; and how many there are in all. */
  async list(options: { fragment?: string; limit: number; offset: number }): Promise<{ tenants: StoredTenant[]; total: number }> {
    const query = this.manager.getRepository(TenantEntity).createQueryBuilder('t').orderBy('t.domain', 'ASC').take(options.limit).skip(options.offset);
    // A plain substring: LIKE's own wildcards in the fragment match only themselves.
    if (options.fragment) query.where(`strpos(t.domain, :fragment) > 0`, { fragment: options.fragment.toLowerCase() });
    const [tenants, total] = await query.getManyAndCount();
    return { tenants, total };
  }

  async updateProfile(id: number, profile: Partial<TenantProfile>): Promise<void> {
    await this.manager.getRepository(TenantEntity).update({ id }, { ...profile, updatedAt: new Date() });
  }

  /** Whether it changed (false: it already was). */
  async setActive(id: number, active: boolean): Promise<boolean> {
    const result = await this.manager.getRepository(TenantEntity).update({ id, active: !active }, { active, updatedAt: new Date() });
    return (result.affected ?? 0) > 0;
  }

  /** The deactivated tenants, id → domain: their own deployments' members are held Suspended. */
  async inactive(): Promise<Map<number, string>> {
    const rows = await this.manager.getRepository(TenantEntity).find({ select: { id: true, domain: true }, where: { active: false } });
    return new Map(rows.map((t) => [t.id, t.domain]));
  }

  /** What its own deployments hold now: how many, and their members at their minimum in all. */
  async usage(id: number): Promise<{ deployments: number; members: number }> {
    const rows = (await this.manager.query(
      `SELECT count(DISTINCT d.application_id)::int AS deployments, coalesce(sum(c.min_members), 0)::int AS members
         FROM deployments d LEFT JOIN clusters c ON c.application_id = d.application_id WHERE d.tenant_id = $1 AND d.desired`,
      [id],
    )) as { deployments: number; members: number }[];
    return rows[0];
  }

  /** Deletes the tenant; its users and their tokens go with it (ON DELETE CASCADE). */
  async delete(id: number): Promise<boolean> {
    const result = await this.manager.getRepository(TenantEntity).delete({ id });
    return (result.affected ?? 0) > 0;
  }
}
