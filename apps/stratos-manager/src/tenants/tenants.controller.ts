import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { tenantInfoSchema } from '@stratos/contracts';
import type { FastifyReply } from 'fastify';
import { AdminOnly, TenantAccessible, type AuthenticatedRequest } from '../auth/auth.guard';
import { TenantsService } from './tenants.service';
import { swaggerSchema } from '../http/swagger-schema';

const tenantSchemaForSwagger = swaggerSchema(tenantInfoSchema);

/** Stratos's /api/tenants. */
@ApiTags('tenants')
@ApiBearerAuth()
@Controller('tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @AdminOnly()
  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Add a tenant (TenantInfoBean: tenantDomain, admin, adminPassword, email, firstName, lastName) and its admin user, admin@tenantDomain' })
  @ApiBody({ schema: tenantSchemaForSwagger })
  async add(@Req() request: AuthenticatedRequest, @Body() body: unknown, @Res({ passthrough: true }) response: FastifyReply) {
    const result = await this.tenants.add(request.caller, body);
    response.header('Location', `/api/tenants/${result.tenant.tenantDomain}`);
    return result;
  }

  @Get()
  @ApiOperation({ summary: 'List tenants, by domain; the total is in X-Total-Count' })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  async list(@Query() query: { limit?: string; offset?: string }, @Res({ passthrough: true }) response: FastifyReply) {
    const { items, total } = await this.tenants.list(query);
    response.header('X-Total-Count', String(total));
    return items;
  }

  @Get('search/:fragment')
  @ApiOperation({ summary: 'Tenants whose domain contains the fragment' })
  async search(@Param('fragment') fragment: string, @Query() query: { limit?: string; offset?: string }, @Res({ passthrough: true }) response: FastifyReply) {
    const { items, total } = await this.tenants.list(query, fragment);
    response.header('X-Total-Count', String(total));
    return items;
  }

  @TenantAccessible()
  @Get(':tenantDomain')
  @ApiOperation({ summary: "One tenant (a tenant's users: their own)" })
  get(@Req() request: AuthenticatedRequest, @Param('tenantDomain') domain: string) {
    return this.tenants.get(request.caller, domain);
  }

  @TenantAccessible()
  @Put()
  @ApiOperation({ summary: "Update the tenant tenantDomain names (platform admin, or the tenant's admin): e-mail, names; adminPassword resets its admin's password" })
  @ApiBody({ schema: tenantSchemaForSwagger })
  update(@Req() request: AuthenticatedRequest, @Body() body: unknown) {
    return this.tenants.update(request.caller, body);
  }

  @AdminOnly()
  @Put('activate/:tenantDomain')
  @ApiOperation({ summary: 'Activate a tenant: its users may log in again, their unexpired tokens work again' })
  activate(@Req() request: AuthenticatedRequest, @Param('tenantDomain') domain: string) {
    return this.tenants.setActive(request.caller, domain, true);
  }

  @AdminOnly()
  @Put('deactivate/:tenantDomain')
  @ApiOperation({ summary: "Deactivate a tenant: its tokens and logins stop at once; nothing of it is deleted" })
  deactivate(@Req() request: AuthenticatedRequest, @Param('tenantDomain') domain: string) {
    return this.tenants.setActive(request.caller, domain, false);
  }

  @AdminOnly()
  @Delete(':tenantDomain')
  @ApiOperation({ summary: 'Delete a tenant, its users and their tokens (Stratos refused this with 406; deactivate keeps everything)' })
  remove(@Req() request: AuthenticatedRequest, @Param('tenantDomain') domain: string) {
    return this.tenants.remove(request.caller, domain);
  }
}
