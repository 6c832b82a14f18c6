import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError, ErrorCode } from '@stratos/contracts';
import type { FastifyRequest } from 'fastify';
import { rawRequestOf } from '../http/raw-http';
import { AuthService, type Caller } from './auth.service';

const PUBLIC = 'stratos:public';
const ADMIN_ONLY = 'stratos:admin-only';
const APPLICATION_TOKEN = 'stratos:application-token';
const TENANT_ACCESSIBLE = 'stratos:tenant-accessible';

/** No token needed (health, schemas, token exchange, the OpenAPI document). */
export const Public = () => SetMetadata(PUBLIC, true);
/** Only callers with the admin role. */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);
/**
 * Also a deployed application's own token (TOKEN in its members' launch payload), for the
 * application the route names in `:applicationId` and no other (Stratos's metadata API).
 */
export const ApplicationTokenAccepted = () => SetMetadata(APPLICATION_TOKEN, true);

/**
 * Tenant users may call this route (which then answers with their own objects only). Every route
 * without it refuses them: what is not marked is the platform's, so a new route is closed to
 * tenants until someone decides otherwise.
 */
export const TenantAccessible = (accessible = true) => SetMetadata(TENANT_ACCESSIBLE, accessible);

/** A request as the API's handlers get it (Fastify's, with Node's as `raw`). */
export type ApiRequest = FastifyRequest;
export type AuthenticatedRequest = ApiRequest & { caller: Caller };

/** The bearer token the request carries, or null (HTTP Basic, or none). */
export function bearerTokenOf(request: { headers: ApiRequest['headers'] }): string | null {
  return /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? null;
}

/** Username and password of an `Authorization: Basic` header, or null when it is not one. */
export function basicCredentialsOf(request: { headers: ApiRequest['headers'] }): { username: string; password: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(request.headers.authorization ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
/** On ApplicationTokenAccepted routes the caller is a user, or the members of one deployed application. */
export type ApplicationCaller = { username: string; role: 'application'; applicationId: string };
export type MaybeApplicationRequest = ApiRequest & { caller: Caller | ApplicationCaller };

/** The caller, on the handler's request and on Node's (which the audit trail reads once the response is sent). */
function identify(request: MaybeApplicationRequest, caller: Caller | ApplicationCaller): void {
  request.caller = caller;
  rawRequestOf(request).caller = caller;
}

/**
 * Every /api call needs `Authorization: Bearer <token>`, or Stratos's `Authorization: Basic`
 * (username and password on every request), unless marked @Public().
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<MaybeApplicationRequest>();
    const basic = basicCredentialsOf(request);
    const token = bearerTokenOf(request);
    if (!basic && !token) throw new DomainError(ErrorCode.Unauthenticated, 'a bearer token is required (POST /api/tokens, or `stratos login`), or HTTP Basic credentials');
    if (token && this.reflector.getAllAndOverride<boolean>(APPLICATION_TOKEN, targets) && token.startsWith('stm_')) {
      const applicationId = await this.auth.applicationOfToken(token);
      if (!applicationId) throw new DomainError(ErrorCode.Unauthenticated, 'the application token is unknown (its application is not deployed any more?)');
      const params = request.params as Record<string, string | undefined>;
      if (params.applicationId !== applicationId) throw new DomainError(ErrorCode.Forbidden, `this token is application "${applicationId}"'s; it gives no access to application "${String(params.applicationId)}"`);
      identify(request, { username: `application:${applicationId}`, role: 'application', applicationId });
      return true;
    }
    const caller = basic ? await this.auth.callerOfBasic(basic.username, basic.password, request.socket.remoteAddress ?? 'unknown') : await this.auth.callerOf(token!);
    if (!caller) throw new DomainError(ErrorCode.Unauthenticated, 'the token is unknown or expired (or its tenant is deactivated); log in again');
    identify(request, caller);
    if (this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, targets) && caller.role !== 'admin') {
      throw new DomainError(ErrorCode.Forbidden, `this needs the admin role; "${caller.username}" has the role "${caller.role}"`);
    }
    if (caller.tenantId !== null && !this.reflector.getAllAndOverride<boolean>(TENANT_ACCESSIBLE, targets)) {
      throw new DomainError(ErrorCode.Forbidden, `this is the platform's, not a tenant's: "${caller.username}" is a user of the tenant ${caller.tenantDomain}`);
    }
    return true;
  }
}
