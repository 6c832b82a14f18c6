import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError, ErrorCode } from '@stratos/contracts';
import type { Request } from 'express';
import { AuthService, type Caller } from './auth.service';

const PUBLIC = 'stratos:public';
const ADMIN_ONLY = 'stratos:admin-only';

/** No token needed (health, schemas, token exchange, the OpenAPI document). */
export const Public = () => SetMetadata(PUBLIC, true);
/** Only callers with the admin role. */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);

export type AuthenticatedRequest = Request & { caller: Caller };

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
    const caller = await this.auth.callerOf(match[1]);
    if (!caller) throw new DomainError(ErrorCode.Unauthenticated, 'the token is unknown or expired; log in again');
    request.caller = caller;
    if (this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, targets) && caller.role !== 'admin') {
      throw new DomainError(ErrorCode.Forbidden, `this needs the admin role; "${caller.username}" has the role "${caller.role}"`);
    }
    return true;
  }
}
