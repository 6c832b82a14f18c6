import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { applicationSignUpSchema, Topics, type SignUpRequest, type SignUpView, type StratosMessage } from '@stratos/contracts';
import { AdminOnly, TenantAccessible, type AuthenticatedRequest } from '../auth/auth.guard';
import { ControllerClient } from '../controller-client/controller-client.service';
import { swaggerSchema } from '../http/swagger-schema';
import { SignUpsService } from './signups.service';

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
    private readonly signUps: SignUpsService,
  ) {}

  @TenantAccessible()
  @Post('signup')
  @HttpCode(201)
  @ApiOperation({ summary: "Sign the caller's tenant up (ApplicationSignUpBean: artifactRepositories[{alias, repoUrl, privateRepo, repoUsername, repoPassword}]): its members prepare the tenant" })
  @ApiBody({ schema: signUpSchemaForSwagger })
  async add(@Req() request: AuthenticatedRequest, @Param('applicationId') applicationId: string, @Body() body: unknown) {
    return this.signUps.signUp(request.caller, applicationId, undefined, body);
  }

  @TenantAccessible()
  @Get('signup')
  @ApiOperation({ summary: "The caller's tenant's sign-up: status (Pending, Active), repositories (passwords never), members prepared per cluster" })
  get(@Req() request: AuthenticatedRequest, @Param('applicationId') applicationId: string): Promise<SignUpView> {
    return this.controller.request(Topics.signups.get, { applicationId, tenantId: this.signUps.ownTenant(request.caller, 'read') });
  }

  @TenantAccessible()
  @Delete('signup')
  @ApiOperation({ summary: "Remove the caller's tenant's sign-up: its members remove the tenant's folder and artifacts" })
  remove(@Req() request: AuthenticatedRequest, @Param('applicationId') applicationId: string): Promise<StratosMessage> {
    const tenantId = this.signUps.ownTenant(request.caller, 'manage');
    return this.controller.request(Topics.signups.remove, { actor: { username: request.caller.username }, applicationId, tenantId } satisfies SignUpRequest);
  }

  @AdminOnly()
  @Post('signup/:tenantDomain')
  @HttpCode(201)
  @ApiOperation({ summary: 'Sign a tenant up (platform admin)' })
  @ApiBody({ schema: signUpSchemaForSwagger })
  async addFor(@Req() request: AuthenticatedRequest, @Param('applicationId') applicationId: string, @Param('tenantDomain') domain: string, @Body() body: unknown) {
    return this.signUps.signUp(request.caller, applicationId, domain, body);
  }

  @AdminOnly()
  @Get('signup/:tenantDomain')
  @ApiOperation({ summary: "A tenant's sign-up (platform admin)" })
  async getFor(@Param('applicationId') applicationId: string, @Param('tenantDomain') domain: string): Promise<SignUpView> {
    return this.controller.request(Topics.signups.get, { applicationId, tenantId: await this.signUps.tenantId(domain) });
  }

  @AdminOnly()
  @Delete('signup/:tenantDomain')
  @ApiOperation({ summary: "Remove a tenant's sign-up (platform admin)" })
  async removeFor(@Req() request: AuthenticatedRequest, @Param('applicationId') applicationId: string, @Param('tenantDomain') domain: string): Promise<StratosMessage> {
    return this.controller.request(Topics.signups.remove, { actor: { username: request.caller.username }, applicationId, tenantId: await this.signUps.tenantId(domain) } satisfies SignUpRequest);
  }

  @AdminOnly()
  @Get('signups')
  @ApiOperation({ summary: "Every tenant's sign-up to the application (platform admin)" })
  list(@Param('applicationId') applicationId: string): Promise<SignUpView[]> {
    return this.controller.request(Topics.signups.list, { applicationId });
  }
}
