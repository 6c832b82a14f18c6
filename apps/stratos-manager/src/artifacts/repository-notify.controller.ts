import { Body, Controller, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DomainError, ErrorCode, notifiedRepositoryUrl, Topics, type RepositoryNotifyResult } from '@stratos/contracts';
import { rawRequestOf } from '../http/raw-http';
import { Public, type ApiRequest } from '../auth/auth.guard';
import { AuthService } from '../auth/auth.service';
import { ControllerClient } from '../controller-client/controller-client.service';

/**
 * Stratos's git hook, at its path: a push to a repository makes every member that clones it
 * pull — a cartridge subscription's repository, or a tenant's in its sign-up. Git servers send no
 * bearer token, so the hook may instead prove the repository's own secret (its hookSecret):
 * GitHub's X-Hub-Signature-256, GitLab's X-Gitlab-Token, or ?secret= for any other. A tenant's
 * admin may notify its own sign-ups' repositories with its token.
 */
@ApiTags('artifacts')
@Controller('repo')
export class RepositoryNotifyController {
  constructor(
    private readonly controller: ControllerClient,
    private readonly auth: AuthService,
  ) {}

  @Public()
  @Post('notify')
  @HttpCode(200)
  @ApiOperation({ summary: 'A git hook: body {repository: {url}} (Stratos), or a GitHub/GitLab push event; the members that clone it pull' })
  @ApiQuery({ name: 'secret', required: false })
  async notify(@Req() request: ApiRequest, @Body() body: unknown, @Query('secret') secret?: string): Promise<RepositoryNotifyResult> {
    const repoUrl = notifiedRepositoryUrl(body);
    if (!repoUrl) throw DomainError.invalid('a git hook names its repository', [{ path: '/repository/url', message: 'is required (a string)' }]);
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    let admin = false;
    let tenantId: number | undefined;
    if (bearer) {
      const caller = await this.auth.callerOf(bearer);
      if (!caller) throw new DomainError(ErrorCode.Unauthenticated, 'the token is unknown or expired; log in again');
      // A tenant's admin speaks for its own sign-ups' repositories.
      if (caller.role === 'tenant-admin') tenantId = caller.tenantId!;
      else if (caller.role !== 'admin') throw new DomainError(ErrorCode.Forbidden, `this needs the admin role (a tenant's, for its sign-ups) or the repository's hook secret; "${caller.username}" has the role "${caller.role}"`);
      else admin = true;
    }
    const header = (name: string) => (typeof request.headers[name] === 'string' ? (request.headers[name] as string) : undefined);
    return this.controller.request(Topics.repositories.notify, {
      repoUrl,
      admin,
      ...(tenantId !== undefined && { tenantId }),
      secret: secret ?? header('x-gitlab-token'),
      signature: header('x-hub-signature-256'),
      body: rawRequestOf(request).rawBody,
    });
  }
}
