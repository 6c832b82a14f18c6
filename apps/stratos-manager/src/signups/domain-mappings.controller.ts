import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { applicationDomainMappingsSchema, DomainError, ErrorCode, Topics, type DomainMappingRequest, type DomainMappingView, type StratosMessage } from '@stratos/contracts';
import { Database } from '@stratos/persistence';
import { TenantAccessible, type AuthenticatedRequest } from '../auth/auth.guard';
import type { Caller } from '../auth/auth.service';
import { ControllerClient } from '../controller-client/controller-client.service';
import { swaggerSchema } from '../http/swagger-schema';

const mappingsSchemaForSwagger = swaggerSchema(applicationDomainMappingsSchema);

/**
 * Stratos's domain mappings: a signed-up tenant's admin maps the tenant's domains to a cluster of
 * the application; the platform admin names the tenant (`?tenantDomain=`). A tenant sees its own.
 */
@ApiTags('signups')
@ApiBearerAuth()
@TenantAccessible()
@Controller('applications/:applicationId/domainMappings')
export class DomainMappingsController {
  constructor(
    private readonly controller: ControllerClient,
    private readonly database: Database,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Map domains (ApplicationDomainMappingsBean: domainMappings[{cartridgeAlias, domainName, contextPath}]): all or none; a domain is one tenant\'s' })
  @ApiBody({ schema: mappingsSchemaForSwagger })
  @ApiQuery({ name: 'tenantDomain', required: false, description: 'whose (platform admin)' })
  async add(@Req() request: AuthenticatedRequest, @Param('applicationId') applicationId: string, @Body() body: unknown, @Query('tenantDomain') tenantDomain?: string) {
    const tenantId = await this.tenantOf(request.caller, tenantDomain, 'manage');
    return this.controller.request<StratosMessage & { domainMappings: DomainMappingView[] }>(Topics.domainMappings.add, { actor: { username: request.caller.username }, applicationId, tenantId, mappings: body } satisfies DomainMappingRequest);
  }

  @Get()
  @ApiOperation({ summary: "The application's domain mappings: a tenant's own; the platform's users: every tenant's (or ?tenantDomain=)" })
  @ApiQuery({ name: 'tenantDomain', required: false })
  async list(@Req() request: AuthenticatedRequest, @Param('applicationId') applicationId: string, @Query('tenantDomain') tenantDomain?: string): Promise<DomainMappingView[]> {
    const tenantId = request.caller.tenantId === null && !tenantDomain ? null : await this.tenantOf(request.caller, tenantDomain, 'read');
    return this.controller.request(Topics.domainMappings.list, { actor: { username: request.caller.username }, applicationId, tenantId } satisfies DomainMappingRequest);
  }

  @Delete(':domainName')
  @ApiOperation({ summary: 'Remove one domain mapping' })
  @ApiQuery({ name: 'tenantDomain', required: false, description: 'whose (platform admin)' })
  async remove(@Req() request: AuthenticatedRequest, @Param('applicationId') applicationId: string, @Param('domainName') domainName: string, @Query('tenantDomain') tenantDomain?: string): Promise<StratosMessage> {
    const tenantId = await this.tenantOf(request.caller, tenantDomain, 'manage');
    return this.controller.request(Topics.domainMappings.remove, { actor: { username: request.caller.username }, applicationId, tenantId, domainName } satisfies DomainMappingRequest);
  }

  /** The tenant a call is about: the caller's own, or the one a platform user names. */
  private async tenantOf(caller: Caller, tenantDomain: string | undefined, need: 'read' | 'manage'): Promise<number> {
    if (caller.tenantId !== null) {
      if (tenantDomain && tenantDomain.toLowerCase() !== caller.tenantDomain) throw DomainError.notFound(`tenant "${tenantDomain.toLowerCase()}" does not exist`);
      if (need === 'manage' && caller.role !== 'tenant-admin') throw new DomainError(ErrorCode.Forbidden, `only the tenant's admin manages its domain mappings; "${caller.username}" has the role "${caller.role}"`);
      return caller.tenantId;
    }
    if (need === 'manage' && caller.role !== 'admin') throw new DomainError(ErrorCode.Forbidden, `this needs the admin role; "${caller.username}" has the role "${caller.role}"`);
    if (!tenantDomain) throw DomainError.invalid("a domain mapping is a tenant's: name it", [{ path: '?tenantDomain', message: 'is required for a platform user' }]);
    const tenant = await this.database.tenants.findByDomain(tenantDomain);
    if (!tenant) throw DomainError.notFound(`tenant "${tenantDomain.toLowerCase()}" does not exist`);
    return tenant.id;
  }
}
