import { Injectable, Logger } from '@nestjs/common';
import { DomainError, validateDomainMappings, type DomainMappingRequest, type DomainMappingView, type FieldIssue } from '@stratos/contracts';
import { Database, type StoredDomainMapping } from '@stratos/persistence';
import { MetadataPublisher } from '../metadata/metadata-publisher.service';

/**
 * Tenants' domains (Stratos's domain mappings): a signed-up tenant maps a domain of its own to a
 * cluster of the application, at a context path. The mappings of its active tenants reach every
 * cluster of the application's tree under /domains/<domain>, so a load balancer's template routes
 * `Host:` to the tenant. A domain belongs to one tenant platform-wide; mappings go with the sign-up.
 */
@Injectable()
export class DomainMappingsService {
  private readonly logger = new Logger(DomainMappingsService.name);

  constructor(
    private readonly database: Database,
    private readonly metadata: MetadataPublisher,
  ) {}

  /** All of them or none: a taken domain refuses the lot, naming it. */
  async add(request: DomainMappingRequest): Promise<{ status: 'success'; message: string; domainMappings: DomainMappingView[] }> {
    const { value, errors } = validateDomainMappings(request.mappings);
    if (errors.length > 0) throw DomainError.invalid('the domain mappings are invalid', errors);
    if (request.tenantId === null) throw DomainError.invalid('a domain mapping is a tenant\'s: name the tenant', [{ path: '?tenantDomain', message: 'is required for a platform user' }]);
    const tenantId = request.tenantId;
    const signUp = await this.database.signups.find(request.applicationId, tenantId);
    if (!signUp) throw DomainError.conflict(`the tenant has not signed up to "${request.applicationId}": sign up first, then map its domains`);
    const aliases = (await this.database.runtime.clusters(request.applicationId)).map((c) => c.alias).sort();
    const unknown: FieldIssue[] = value.flatMap((m, i) => (aliases.includes(m.cartridgeAlias) ? [] : [{ path: `/domainMappings/${i}/cartridgeAlias`, message: `"${m.cartridgeAlias}" is no cartridge alias of ${request.applicationId}`, allowed: aliases }]));
    if (unknown.length > 0) throw DomainError.invalid('a mapping names no cluster of the application', unknown);
    await this.database.transaction(async (tx) => {
      for (const [i, m] of value.entries()) {
        const added = await tx.domainMappings.insert({ domainName: m.domainName, applicationId: request.applicationId, tenantId, cartridgeAlias: m.cartridgeAlias, contextPath: m.contextPath });
        if (!added) throw DomainError.conflict(`the domain "${m.domainName}" is mapped already`, [{ path: `/domainMappings/${i}/domainName`, message: 'is mapped already' }]);
      }
    });
    this.metadata.touch(request.applicationId);
    const domains = value.map((m) => m.domainName);
    this.logger.log(`tenant ${signUp.tenantDomain} mapped ${domains.join(', ')} in ${request.applicationId} (by "${request.actor.username}")`);
    const mine = await this.database.domainMappings.ofApplication(request.applicationId, { tenantId });
    return { status: 'success', message: `Domain mappings added successfully: [domain-mappings] [${domains.join(', ')}]`, domainMappings: await this.views(mine.filter((m) => domains.includes(m.domainName))) };
  }

  async list(request: DomainMappingRequest): Promise<DomainMappingView[]> {
    return this.views(await this.database.domainMappings.ofApplication(request.applicationId, request.tenantId === null ? {} : { tenantId: request.tenantId }));
  }

  async remove(request: DomainMappingRequest): Promise<{ status: 'success'; message: string }> {
    const domain = String(request.domainName ?? '').toLowerCase();
    if (request.tenantId === null || !(await this.database.domainMappings.delete(request.applicationId, request.tenantId, domain))) {
      throw DomainError.notFound(`the tenant has no domain mapping "${domain}" in "${request.applicationId}"`);
    }
    this.metadata.touch(request.applicationId);
    this.logger.log(`domain mapping ${domain} in ${request.applicationId} removed (by "${request.actor.username}")`);
    return { status: 'success', message: `Domain mapping deleted successfully: [domain-mappings] ${domain}` };
  }

  private async views(mappings: StoredDomainMapping[]): Promise<DomainMappingView[]> {
    const clusters = new Map<string, Map<string, string>>();
    for (const applicationId of new Set(mappings.map((m) => m.applicationId))) {
      clusters.set(applicationId, new Map((await this.database.runtime.clusters(applicationId)).map((c) => [c.alias, c.clusterId])));
    }
    return mappings.map((m) => ({
      applicationId: m.applicationId,
      tenantId: m.tenantId,
      tenantDomain: m.tenantDomain,
      cartridgeAlias: m.cartridgeAlias,
      clusterId: clusters.get(m.applicationId)?.get(m.cartridgeAlias) ?? `${m.applicationId}.${m.cartridgeAlias}`,
      domainName: m.domainName,
      contextPath: m.contextPath,
      createdAt: new Date(m.createdAt).toISOString(),
    }));
  }
}
