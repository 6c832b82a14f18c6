import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { applicationDomainMappingsSchema, Topics, type DomainMappingRequest, type DomainMappingView, type StratosMessage } from '@stratos/contracts';
import { TenantAccessible, type AuthenticatedRequest } from '../auth/auth.guard';
import { ControllerClient } from '../controller-client/controller-client.service';
import { swaggerSchema } from '../http/swagger-schema';
import { SignUpsService } from './signups.service';

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
    private readonly signUps: SignUpsService,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Map domains (ApplicationDomainMappingsBean: domainMappings[{cartridgeAlias, domainName, contextPath}]): all or none; a domain is one tenant\'s' })
  @ApiBody({ schema: mappingsSchemaForSwagger })
  @ApiQuery({ name: 'tenantDomain', required: false, description: 'whose (platform admin)' })
  async add(@Req() request: AuthenticatedRequest, @Param('applicationId') applicationId: string, @Body() body: unknown, @Query('tenantDomain') tenantDomain?: string) {
    return this.signUps.mapDomains(request.caller, applicationId, tenantDomain, body);
  }

  @Get()
  @ApiOperation({ summary: "The application's domain mappings: a tenant's own; the platform's users: every tenant's (or ?tenantDomain=)" })
  @ApiQuery({ name: 'tenantDomain', required: false })
  async list(@Req() request: AuthenticatedRequest, @Param('applicationId') applicationId: string, @Query('tenantDomain') tenantDomain?: string): Promise<DomainMappingView[]> {
    const tenantId = request.caller.tenantId === null && !tenantDomain ? null : await this.signUps.tenantOf(request.caller, tenantDomain, 'read');
    return this.controller.request(Topics.domainMappings.list, { actor: { username: request.caller.username }, applicationId, tenantId } satisfies DomainMappingRequest);
  }

  @Delete(':domainName')
  @ApiOperation({ summary: 'Remove one domain mapping' })
  @ApiQuery({ name: 'tenantDomain', required: false, description: 'whose (platform admin)' })
  async remove(@Req() request: AuthenticatedRequest, @Param('applicationId') applicationId: string, @Param('domainName') domainName: string, @Query('tenantDomain') tenantDomain?: string): Promise<StratosMessage> {
    const tenantId = await this.signUps.tenantOf(request.caller, tenantDomain, 'manage');
    return this.controller.request(Topics.domainMappings.remove, { actor: { username: request.caller.username }, applicationId, tenantId, domainName } satisfies DomainMappingRequest);
  }
}
