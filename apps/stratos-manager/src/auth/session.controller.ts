import { Controller, Get, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ApiResponses } from '@stratos/contracts';
import { TenantAccessible, type AuthenticatedRequest } from './auth.guard';
import { AuthService } from './auth.service';

/** What Stratos 4.1's clients call first: /init to check the credentials, /session for a session id. */
@ApiTags('auth')
@ApiBearerAuth()
@TenantAccessible()
@Controller()
export class SessionController {
  constructor(private readonly auth: AuthService) {}

  @Get('init')
  @ApiOperation({ summary: 'Check the credentials (Stratos clients send HTTP Basic here first)' })
  init(@Req() request: AuthenticatedRequest): ApiResponses['GET /api/init'] {
    const { username, role, tenantDomain } = request.caller;
    return { status: 'success', message: 'Successfully authenticated', userName: username, role, tenantDomain };
  }

  @Get('session')
  @ApiOperation({ summary: "A session for the caller, as Stratos's { Success: { sessionId } }: the session id is a bearer token (Authorization: Bearer <sessionId>)" })
  async session(@Req() request: AuthenticatedRequest): Promise<ApiResponses['GET /api/session']> {
    const issued = await this.auth.issueTokenFor(request.caller);
    return { Success: { sessionId: issued.token }, expiresAt: issued.expiresAt };
  }
}
