import { Body, Controller, Delete, HttpCode, Post, Req } from '@nestjs/common';
import { DomainError } from '@stratos/contracts';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { rawRequestOf } from '../http/raw-http';
import { bearerTokenOf, Public, TenantAccessible, type ApiRequest } from './auth.guard';
import { AuthService } from './auth.service';

@ApiTags('auth')
@TenantAccessible()
@Controller('tokens')
export class TokensController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Trade a username and password for a bearer token; 429 with Retry-After after too many failures (per user, per address)' })
  async create(@Req() request: ApiRequest, @Body() body: { username?: unknown; password?: unknown }) {
    const issued = await this.auth.issueToken(body?.username, body?.password, request.socket.remoteAddress ?? 'unknown');
    rawRequestOf(request).auditActor = issued.username; // a failed login is audited with no actor: the name typed may be a password
    return issued;
  }

  /** Logout, server-side: the caller's own token stops working. */
  @Delete('current')
  @ApiBearerAuth()
  @HttpCode(204)
  @ApiOperation({ summary: "Revoke the caller's own token (stratos logout)" })
  async revoke(@Req() request: ApiRequest): Promise<void> {
    const token = bearerTokenOf(request);
    if (!token) throw DomainError.invalid('this request carries HTTP Basic credentials, not a token: there is nothing to revoke');
    await this.auth.revokeToken(token);
  }
}
