import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError, ErrorCode } from '@stratos/contracts';
import type { Request } from 'express';
import { AuthService, type Caller } from './auth.service';

const PUBLIC = 'stratos:public';
const ADMIN_ONLY = 'stratos:admin-only';
const APPLICATION_TOKEN = 'stratos:application-token';

/** No token needed (health, schemas, token exchange, the OpenAPI document). */
export const Public = () => SetMetadata(PUBLIC, true);
/** Only callers with the admin role. */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);
/**
 * Also a deployed application's own token (TOKEN in its members' launch payload), for the
 * application the route names in `:applicationId` and no other (Stratos's metadata API).
 */
export const ApplicationTokenAccepted = () => SetMetadata(APPLICATION_TOKEN, true);

export type AuthenticatedRequest = Request & { caller: Caller };
/** On ApplicationTokenAccepted routes the caller is a user, or the members of one deployed application. */
export type ApplicationCaller = { username: string; role: 'application'; applicationId: string };
export type MaybeApplicationRequest = Request & { caller: Caller | ApplicationCaller };

/** Every /api call needs `Authorization: Bearer <token>` unless marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!match) throw new DomainError(ErrorCode.Unauthenticated, 'a bearer token is required: POST /api/tokens (or `stratos login`) gives one');
    if (this.reflector.getAllAndOverride<boolean>(APPLICATION_TOKEN, targets) && match[1].startsWith('stm_')) {
      const applicationId = await this.auth.applicationOfToken(match[1]);
      if (!applicationId) throw new DomainError(ErrorCode.Unauthenticated, 'the application token is unknown (its application is not deployed any more?)');
      if (request.params.applicationId !== applicationId) throw new DomainError(ErrorCode.Forbidden, `this token is application "${applicationId}"'s; it gives no access to application "${String(request.params.applicationId)}"`);
      (request as unknown as MaybeApplicationRequest).caller = { username: `application:${applicationId}`, role: 'application', applicationId };
      return true;
    }
    const caller = await this.auth.callerOf(match[1]);
    if (!caller) throw new DomainError(ErrorCode.Unauthenticated, 'the token is unknown or expired; log in again');
    request.caller = caller;
    if (this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, targets) && caller.role !== 'admin') {
      throw new DomainError(ErrorCode.Forbidden, `this needs the admin role; "${caller.username}" has the role "${caller.role}"`);
    }
    return true;
  }
}
