import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { applicationSignUpSchema, DomainError, ErrorCode, Topics, type SignUpRequest, type SignUpView, type StratosMessage } from '@stratos/contracts';
import { Database } from '@stratos/persistence';
import { AdminOnly, TenantAccessible, type AuthenticatedRequest } from '../auth/auth.guard';
import type { Caller } from '../auth/auth.service';
import { ControllerClient } from '../controller-client/controller-client.service';
import { swaggerSchema } from '../http/swagger-schema';

const signUpSchemaForSwagger = swaggerSchema(applicationSignUpSchema);

/**
 * Stratos's sign-ups: a tenant's admin signs its tenant up to a deployed multi-tenant application
 * (`/applications/{id}/signup`); the platform admin does so for any tenant (`…/signup/{tenantDomain}`)
 * and lists them all. A tenant's users read their own tenant's sign-up.
 */
@ApiTags('signups')
@ApiBearerAuth()
@Controller('applications/:applicationId')
export class SignUpsController {
  constructor(
    private readonly controller: ControllerClient,
    private readonly database: Database,
  ) {}

  @TenantAccessible()
  @Post('signup')
  @HttpCode(201)
  @ApiOperation({ summary: "Sign the caller's tenant up (ApplicationSignUpBean: artifactRepositories[{alias, repoUrl, privateRepo, repoUsername, repoPassword}]): its members prepare the tenant" })
  @ApiBody({ schema: signUpSchemaForSwagger })
  async add(@Req() request: AuthenticatedRequest, @Param('applicationId') applicationId: string, @Body() body: unknown) {
    const tenantId = this.ownTenant(request.caller, 'manage');
    return this.signUp(request.caller, applicationId, tenantId, body);
  }

  @TenantAccessible()
  @Get('signup')
  @ApiOperation({ summary: "The caller's tenant's sign-up: status (Pending, Active), repositories (passwords never), members prepared per cluster" })
  get(@Req() request: AuthenticatedRequest, @Param('applicationId') applicationId: string): Promise<SignUpView> {
    return this.controller.request(Topics.signups.get, { applicationId, tenantId: this.ownTenant(request.caller, 'read') });
  }

  @TenantAccessible()
  @Delete('signup')
  @ApiOperation({ summary: "Remove the caller's tenant's sign-up: its members remove the tenant's folder and artifacts" })
  remove(@Req() request: AuthenticatedRequest, @Param('applicationId') applicationId: string): Promise<StratosMessage> {
    const tenantId = this.ownTenant(request.caller, 'manage');
    return this.controller.request(Topics.signups.remove, { actor: { username: request.caller.username }, applicationId, tenantId } satisfies SignUpRequest);
  }

  @AdminOnly()
  @Post('signup/:tenantDomain')
  @HttpCode(201)
  @ApiOperation({ summary: 'Sign a tenant up (platform admin)' })
  @ApiBody({ schema: signUpSchemaForSwagger })
  async addFor(@Req() request: AuthenticatedRequest, @Param('applicationId') applicationId: string, @Param('tenantDomain') domain: string, @Body() body: unknown) {
    return this.signUp(request.caller, applicationId, await this.tenantId(domain), body);
  }

  @AdminOnly()
  @Get('signup/:tenantDomain')
  @ApiOperation({ summary: "A tenant's sign-up (platform admin)" })
  async getFor(@Param('applicationId') applicationId: string, @Param('tenantDomain') domain: string): Promise<SignUpView> {
    return this.controller.request(Topics.signups.get, { applicationId, tenantId: await this.tenantId(domain) });
  }

  @AdminOnly()
  @Delete('signup/:tenantDomain')
  @ApiOperation({ summary: "Remove a tenant's sign-up (platform admin)" })
  async removeFor(@Req() request: AuthenticatedRequest, @Param('applicationId') applicationId: string, @Param('tenantDomain') domain: string): Promise<StratosMessage> {
    return this.controller.request(Topics.signups.remove, { actor: { username: request.caller.username }, applicationId, tenantId: await this.tenantId(domain) } satisfies SignUpRequest);
  }

  @AdminOnly()
  @Get('signups')
  @ApiOperation({ summary: "Every tenant's sign-up to the application (platform admin)" })
  list(@Param('applicationId') applicationId: string): Promise<SignUpView[]> {
    return this.controller.request(Topics.signups.list, { applicationId });
  }

  private async signUp(caller: Caller, applicationId: string, tenantId: number, body: unknown) {
    const signUp = await this.controller.request<SignUpView>(Topics.signups.add, { actor: { username: caller.username }, applicationId, tenantId, signUp: body } satisfies SignUpRequest);
    return { status: 'success' as const, message: `Successfully signed up for: [application] ${applicationId}`, signUp };
  }

  /** The caller's own tenant; a platform user names the tenant in the path instead. */
  private ownTenant(caller: Caller, need: 'read' | 'manage'): number {
    if (caller.tenantId === null) {
      throw DomainError.invalid('a platform user signs a tenant up at /applications/{id}/signup/{tenantDomain}', [{ path: '/tenantDomain', message: 'is required in the path for a platform user' }]);
    }
    if (need === 'manage' && caller.role !== 'tenant-admin') throw new DomainError(ErrorCode.Forbidden, `only the tenant's admin manages its sign-ups; "${caller.username}" has the role "${caller.role}"`);
    return caller.tenantId;
  }

  private async tenantId(domain: string): Promise<number> {
    const tenant = await this.database.tenants.findByDomain(domain);
    if (!tenant) throw DomainError.notFound(`tenant "${domain.toLowerCase()}" does not exist`);
    return tenant.id;
  }
}
