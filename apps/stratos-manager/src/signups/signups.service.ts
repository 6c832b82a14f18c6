import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, Topics, type DomainMappingRequest, type DomainMappingView, type SignUpRequest, type SignUpView, type StratosMessage } from '@stratos/contracts';
import { Database } from '@stratos/persistence';
import type { Caller } from '../auth/auth.service';
import { ControllerClient } from '../controller-client/controller-client.service';

/**
 * Sign-ups and domain mappings as their REST endpoints and `POST /api/import` both make them:
 * whose tenant a call is about, and whether the caller may.
 */
@Injectable()
export class SignUpsService {
  constructor(
    private readonly controller: ControllerClient,
    private readonly database: Database,
  ) {}

  /** Signs a tenant up: the caller's own (its admin), or — a platform admin — the one it names. */
  async signUp(caller: Caller, applicationId: string, tenantDomain: string | undefined, body: unknown) {
    const tenantId = tenantDomain === undefined ? this.ownTenant(caller, 'manage') : await this.tenantNamedByAdmin(caller, tenantDomain);
    const signUp = await this.controller.request<SignUpView>(Topics.signups.add, { actor: { username: caller.username }, applicationId, tenantId, signUp: body } satisfies SignUpRequest);
    return { status: 'success' as const, message: `Successfully signed up for: [application] ${applicationId}`, signUp };
  }

  async mapDomains(caller: Caller, applicationId: string, tenantDomain: string | undefined, body: unknown) {
    const tenantId = await this.tenantOf(caller, tenantDomain, 'manage');
    return this.controller.request<StratosMessage & { domainMappings: DomainMappingView[] }>(Topics.domainMappings.add, { actor: { username: caller.username }, applicationId, tenantId, mappings: body } satisfies DomainMappingRequest);
  }

  /** The caller's own tenant; a platform user names the tenant in the path instead. */
  ownTenant(caller: Caller, need: 'read' | 'manage'): number {
    if (caller.tenantId === null) {
      throw DomainError.invalid('a platform user signs a tenant up at /applications/{id}/signup/{tenantDomain}', [{ path: '/tenantDomain', message: 'is required in the path for a platform user' }]);
    }
    if (need === 'manage' && caller.role !== 'tenant-admin') throw new DomainError(ErrorCode.Forbidden, `only the tenant's admin manages its sign-ups; "${caller.username}" has the role "${caller.role}"`);
    return caller.tenantId;
  }

  /** A tenant the platform admin names (its routes are @AdminOnly; an import checks here). */
  async tenantNamedByAdmin(caller: Caller, domain: string): Promise<number> {
    if (caller.role !== 'admin') throw new DomainError(ErrorCode.Forbidden, `this needs the admin role; "${caller.username}" has the role "${caller.role}"`);
    return this.tenantId(domain);
  }

  async tenantId(domain: string): Promise<number> {
    const tenant = await this.database.tenants.findByDomain(domain);
    if (!tenant) throw DomainError.notFound(`tenant "${domain.toLowerCase()}" does not exist`);
    return tenant.id;
  }

  /** The tenant a domain-mapping call is about: the caller's own, or the one a platform user names. */
  async tenantOf(caller: Caller, tenantDomain: string | undefined, need: 'read' | 'manage'): Promise<number> {
    if (caller.tenantId !== null) {
      if (tenantDomain && tenantDomain.toLowerCase() !== caller.tenantDomain) throw DomainError.notFound(`tenant "${tenantDomain.toLowerCase()}" does not exist`);
      if (need === 'manage' && caller.role !== 'tenant-admin') throw new DomainError(ErrorCode.Forbidden, `only the tenant's admin manages its domain mappings; "${caller.username}" has the role "${caller.role}"`);
      return caller.tenantId;
    }
    if (need === 'manage' && caller.role !== 'admin') throw new DomainError(ErrorCode.Forbidden, `this needs the admin role; "${caller.username}" has the role "${caller.role}"`);
    if (!tenantDomain) throw DomainError.invalid("a domain mapping is a tenant's: name it", [{ path: '?tenantDomain', message: 'is required for a platform user' }]);
    return this.tenantId(tenantDomain);
  }
}
