import { Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode, Topics, validateTenantInput, type FieldIssue, type StratosMessage, type TenantView, type TenantWriteResult } from '@stratos/contracts';
import { Database, type StoredTenant } from '@stratos/persistence';
import { AuthService, type Caller } from '../auth/auth.service';
import { hashPassword } from '../auth/password-hash';
import { pagingNumber } from '../cartridges/cartridges.service';
import { ControllerClient } from '../controller-client/controller-client.service';


/**
 * Tenants at Stratos's /api/tenants. The platform admin adds, lists, activates, deactivates and
 * deletes them; a tenant's admin reads and updates its own. A tenant another tenant's user asks
 * for does not exist, as far as that user can tell.
 */
@Injectable()
export class TenantsService {
  private readonly logger = new Logger(TenantsService.name);

  constructor(
    private readonly database: Database,
    private readonly auth: AuthService,
    private readonly controller: ControllerClient,
  ) {}

  /** The tenant and its admin user, together or not at all. */
  async add(actor: Caller, body: unknown): Promise<TenantWriteResult> {
    const { value, warnings, errors } = validateTenantInput(body, 'add');
    if (errors.length > 0) throw DomainError.invalid('the tenant is invalid', errors);
    const passwordHash = await hashPassword(value.adminPassword!);
    const tenant = await this.database.transaction(async (tx) => {
      const created = await tx.tenants.insertIfAbsent({
        domain: value.tenantDomain,
        email: value.email!,
        firstName: value.firstName ?? null,
        lastName: value.lastName ?? null,
        maxDeployments: value.quota?.deployments ?? null,
        maxMembers: value.quota?.members ?? null,
        active: true,
      });
      if (!created) throw DomainError.conflict(`tenant "${value.tenantDomain}" already exists`, [{ path: '/tenantDomain', message: 'is taken' }]);
      await tx.users.insertIfAbsent({
        username: `${value.admin!}@${value.tenantDomain}`,
        passwordHash,
        role: 'tenant-admin',
        tenantId: created.id,
        email: value.email!,
        firstName: value.firstName ?? null,
        lastName: value.lastName ?? null,
      });
      return created;
    });
    this.logger.log(`"${actor.username}" added the tenant ${tenant.domain} (id ${tenant.id}) with its admin ${value.admin!}@${tenant.domain}`);
    return { status: 'success', message: `Tenant added successfully: [tenant] ${tenant.domain}`, tenant: await this.view(tenant), warnings };
  }

  async list(query: { limit?: string; offset?: string }, fragment?: string): Promise<{ items: TenantView[]; total: number }> {
    const limit = pagingNumber(query.limit, 'limit', 1000, 10_000);
    const offset = pagingNumber(query.offset, 'offset', 0, 1_000_000_000);
    const { tenants, total } = await this.database.tenants.list({ fragment: fragment?.trim(), limit, offset });
    return { items: await this.views(tenants), total };
  }

  async get(actor: Caller, domain: string): Promise<TenantView> {
    return this.view(await this.visibleTenant(actor, domain));
  }

  /**
   * Stratos's PUT /api/tenants: the tenant named by tenantDomain gets the e-mail and names given;
   * an adminPassword resets its admin's password (the one `admin` names, else its first), ending
   * that admin's sessions.
   */
  async update(actor: Caller, body: unknown): Promise<TenantWriteResult> {
    const { value, warnings, errors } = validateTenantInput(body, 'update');
    if (errors.length > 0) throw DomainError.invalid('the tenant is invalid', errors);
    const tenant = await this.visibleTenant(actor, value.tenantDomain);
    if (actor.role !== 'admin' && !(actor.role === 'tenant-admin' && actor.tenantId === tenant.id)) {
      throw new DomainError(ErrorCode.Forbidden, `"${actor.username}" (role ${actor.role}) may not update the tenant ${tenant.domain}: that needs the platform admin or its own admin`);
    }
    if (value.quota !== undefined && actor.role !== 'admin') {
      throw new DomainError(ErrorCode.Forbidden, `only the platform admin sets a tenant's quota; "${actor.username}" has the role "${actor.role}"`, [{ path: '/quota', message: 'is the platform admin\'s to set' }]);
    }
    if (value.tenantId !== undefined && value.tenantId !== tenant.id) {
      throw DomainError.invalid('the tenant is invalid', [{ path: '/tenantId', message: `is ${tenant.id} for ${tenant.domain}, not ${value.tenantId}` }]);
    }
    let admin = null;
    if (value.adminPassword !== undefined) {
      const name = value.admin ?? (await this.database.users.firstAdminsOf([tenant.id])).get(tenant.id);
      admin = name === undefined ? null : await this.database.users.findByUsername(`${name}@${tenant.domain}`);
      if (!admin || admin.tenantId !== tenant.id || admin.role !== 'tenant-admin') {
        throw DomainError.invalid('the tenant is invalid', [{ path: '/admin', message: `names no admin of ${tenant.domain}` }]);
      }
    }
    const adminId = admin?.id;
    await this.database.transaction(async (tx) => {
      const profile = {
        ...(value.email !== undefined && { email: value.email }),
        ...(value.firstName !== undefined && { firstName: value.firstName }),
        ...(value.lastName !== undefined && { lastName: value.lastName }),
        ...(value.quota?.deployments !== undefined && { maxDeployments: value.quota.deployments }),
        ...(value.quota?.members !== undefined && { maxMembers: value.quota.members }),
      };
      await tx.tenants.updateProfile(tenant.id, profile);
      if (adminId) {
        await tx.users.setPasswordHash(adminId, await hashPassword(value.adminPassword!));
        await tx.users.revokeTokensOf(adminId);
      }
    });
    if (adminId) this.auth.forgetCallers({ userId: adminId });
    this.logger.log(`"${actor.username}" updated the tenant ${tenant.domain}${admin ? ` (the password of ${admin.username} reset, its tokens revoked)` : ''}`);
    return { status: 'success', message: `Tenant updated successfully: [tenant] ${tenant.domain}`, tenant: await this.view((await this.database.tenants.findById(tenant.id))!), warnings };
  }

  /** Deactivation stops the tenant's tokens and logins at once (on this manager; others within their token cache's seconds); nothing is deleted. */
  async setActive(actor: Caller, domain: string, active: boolean): Promise<StratosMessage & { tenant: TenantView; changed: boolean; warnings: FieldIssue[] }> {
    const tenant = await this.visibleTenant(actor, domain);
    const changed = await this.database.tenants.setActive(tenant.id, active);
    if (!active) this.auth.forgetCallers({ tenantId: tenant.id });
    if (changed) this.logger.log(`"${actor.username}" ${active ? 'activated' : 'deactivated'} the tenant ${tenant.domain}`);
    const warnings = changed ? await this.tellController(await this.database.signups.applicationsOf(tenant.id)) : [];
    const message = `Tenant ${active ? 'activated' : 'deactivated'} successfully: [tenant] ${tenant.domain}`;
    return { status: 'success', message, tenant: await this.view((await this.database.tenants.findById(tenant.id))!), changed, warnings };
  }

  /**
   * The members of the applications a tenant signed up to see it arrive or leave (their trees are
   * rebuilt), and its own deployments' members are suspended, resumed or stopped. The change itself
   * is made already: a controller that does not answer catches up when it starts (it rebuilds every
   * tree, and its passes read the tenants' state), and the answer says so.
   */
  private async tellController(applicationIds: string[]): Promise<FieldIssue[]> {
    try {
      await this.controller.request(Topics.tenants.changed, { applicationIds });
      return [];
    } catch (error) {
      return [{ path: '', message: `its members will follow when the cloud controller answers again (${(error as Error).message})` }];
    }
  }

  /** Deletes the tenant, its users and their tokens. */
  async remove(actor: Caller, domain: string): Promise<StratosMessage & { warnings: FieldIssue[] }> {
    const tenant = await this.visibleTenant(actor, domain);
    const applications = await this.database.signups.applicationsOf(tenant.id);
    await this.database.tenants.delete(tenant.id);
    this.auth.forgetCallers({ tenantId: tenant.id });
    this.logger.log(`"${actor.username}" deleted the tenant ${tenant.domain} (id ${tenant.id}), its users and its ${applications.length} sign-up(s)`);
    return { status: 'success', message: `Tenant deleted successfully: [tenant] ${tenant.domain}`, warnings: await this.tellController(applications) };
  }

  private async visibleTenant(actor: Caller, domain: string): Promise<StoredTenant> {
    const tenant = await this.database.tenants.findByDomain(domain);
    if (!tenant || (actor.tenantId !== null && actor.tenantId !== tenant.id)) throw DomainError.notFound(`tenant "${domain.toLowerCase()}" does not exist`);
    return tenant;
  }

  private async view(tenant: StoredTenant): Promise<TenantView> {
    return (await this.views([tenant]))[0];
  }

  private async views(tenants: StoredTenant[]): Promise<TenantView[]> {
    const admins = await this.database.users.firstAdminsOf(tenants.map((t) => t.id));
    const usage = await Promise.all(tenants.map((t) => this.database.tenants.usage(t.id)));
    return tenants.map((t, i) => ({
      tenantId: t.id,
      tenantDomain: t.domain,
      admin: admins.get(t.id) ?? null,
      email: t.email,
      firstName: t.firstName,
      lastName: t.lastName,
      active: t.active,
      createdDate: t.createdAt.getTime(),
      quota: { deployments: t.maxDeployments, members: t.maxMembers },
      usage: usage[i],
    }));
  }
}
