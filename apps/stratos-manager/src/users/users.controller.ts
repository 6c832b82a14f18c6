import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { userInfoSchema } from '@stratos/contracts';
import type { FastifyReply } from 'fastify';
import { bearerTokenOf, TenantAccessible, type AuthenticatedRequest } from '../auth/auth.guard';
import { AuthService } from '../auth/auth.service';
import { UsersService } from './users.service';
import { swaggerSchema } from '../http/swagger-schema';

const userSchemaForSwagger = swaggerSchema(userInfoSchema);

/** Stratos's /api/users: the platform admin's for everyone, a tenant admin's for its own tenant. */
@ApiTags('users')
@ApiBearerAuth()
@TenantAccessible()
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly auth: AuthService,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: "Add a user (UserInfoBean: userName, credential, role…): a platform user, or name@tenant.domain; a tenant admin adds its own tenant's" })
  @ApiBody({ schema: userSchemaForSwagger })
  async add(@Req() request: AuthenticatedRequest, @Body() body: unknown, @Res({ passthrough: true }) response: FastifyReply) {
    const result = await this.users.add(request.caller, body);
    response.header('Location', `/api/users/${encodeURIComponent(result.user.userName)}`);
    return result;
  }

  @Get()
  @ApiOperation({ summary: "The platform's users, or a tenant's (?tenantDomain=, platform admin); a tenant admin sees its own tenant's" })
  @ApiQuery({ name: 'tenantDomain', required: false })
  list(@Req() request: AuthenticatedRequest, @Query('tenantDomain') tenantDomain?: string) {
    return this.users.list(request.caller, tenantDomain);
  }

  @Put()
  @ApiOperation({ summary: 'Update a user named by userName: names, e-mail, role; a credential resets its password and ends its sessions' })
  @ApiBody({ schema: userSchemaForSwagger })
  update(@Req() request: AuthenticatedRequest, @Body() body: unknown) {
    return this.users.update(request.caller, body);
  }

  @Delete(':userName')
  @ApiOperation({ summary: 'Remove a user and its tokens (never the last admin of the platform or of a tenant)' })
  remove(@Req() request: AuthenticatedRequest, @Param('userName') userName: string) {
    return this.users.remove(request.caller, userName);
  }

  @Put(':username/password')
  @ApiOperation({ summary: "Change a password: your own (with currentPassword), or as an admin anyone's (a tenant admin: its tenant's); the user's other tokens stop working" })
  changePassword(@Req() request: AuthenticatedRequest, @Param('username') username: string, @Body() body: { currentPassword?: unknown; password?: unknown }) {
    const login = request.caller.tenantDomain && !username.includes('@') ? `${username}@${request.caller.tenantDomain}` : username;
    return this.auth.changePassword(request.caller, bearerTokenOf(request), login, body ?? {});
  }
}
