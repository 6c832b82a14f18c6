/**
 * Who may manage which users, and what a role or a user name a client sent means where it is
 * sent from: pure rules, so that the service and its tests read the same ones.
 */
import { DomainError, ErrorCode, PLATFORM_ROLES, splitLoginName, TENANT_ROLES, type Role } from '@stratos/contracts';

export interface Actor {
  username: string;
  role: Role;
  tenantId: number | null;
  tenantDomain: string | null;
}

export const isTenantCaller = (actor: Pick<Actor, 'tenantId'>): boolean => actor.tenantId !== null;

/**
 * The login name a user name sent by `actor` means: a tenant admin's "bob" is "bob@its.domain";
 * a name with another tenant's domain is refused (403) for anyone but the platform admin.
 */
export function qualifyUserName(actor: Actor, userName: string): { login: string; name: string; domain: string | null } {
  const { name, domain } = splitLoginName(userName);
  if (actor.tenantId === null) return { login: domain ? `${name}@${domain}` : name, name, domain };
  if (domain !== null && domain !== actor.tenantDomain) {
    throw new DomainError(ErrorCode.Forbidden, `"${actor.username}" manages the users of ${actor.tenantDomain}, not of ${domain}`);
  }
  return { login: `${name}@${actor.tenantDomain}`, name, domain: actor.tenantDomain };
}

/** Whether actor may add, change or remove users of the tenant (null: the platform's own users). */
export function mayManageUsersOf(actor: Actor, tenantId: number | null): boolean {
  if (actor.role === 'admin') return true;
  return actor.role === 'tenant-admin' && tenantId !== null && actor.tenantId === tenantId;
}

/**
 * The role a client asked for, where the user lives. In a tenant, Stratos's "admin" and "user"
 * mean the tenant's; absent means the least: "user" or "tenant-user".
 */
export function resolveRole(requested: string | undefined, inTenant: boolean): { role: Role } | { error: { path: string; message: string; allowed: string[] } } {
  if (inTenant) {
    const role = requested === undefined || requested === 'user' || requested === 'tenant-user' ? 'tenant-user' : requested === 'admin' || requested === 'tenant-admin' ? 'tenant-admin' : null;
    const allowed = [...TENANT_ROLES, 'admin', 'user'];
    return role ? { role } : { error: { path: '/role', message: `must be one of ${allowed.map((r) => `"${r}"`).join(', ')} for a tenant's user`, allowed } };
  }
  const role = requested ?? 'user';
  return (PLATFORM_ROLES as string[]).includes(role)
    ? { role: role as Role }
    : { error: { path: '/role', message: `must be one of ${PLATFORM_ROLES.map((r) => `"${r}"`).join(', ')} for a platform user (a tenant's users are name@tenant.domain)`, allowed: PLATFORM_ROLES } };
}
