import { Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode, USER_NAME_PATTERN, validateUserInput, type StratosMessage, type UserView, type UserWriteResult } from '@stratos/contracts';
import { Database, type StoredTenant, type UserProfile } from '@stratos/persistence';
import { AuthService, type Caller } from '../auth/auth.service';
import { hashPassword } from '../auth/password-hash';
import { mayManageUsersOf, qualifyUserName, resolveRole, type Actor } from './user-access';


export function userView(user: UserProfile): UserView {
  return {
    userName: user.username,
    role: user.role,
    tenantDomain: user.tenantDomain,
    firstName: user.firstName,
    lastName: user.lastName,
    email: user.email,
    createdAt: new Date(user.createdAt).toISOString(),
  };
}

const adminRoleOf = (tenantId: number | null) => (tenantId === null ? 'admin' : 'tenant-admin');

/**
 * Users of the platform (admin, user) and of each tenant (tenant-admin, tenant-user), at Stratos's
 * /api/users: the platform admin manages everyone, a tenant admin its own tenant's users, and
 * nobody may leave the platform or a tenant without an admin.
 */
@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly database: Database,
    private readonly auth: AuthService,
  ) {}

  async add(actor: Caller, body: unknown): Promise<UserWriteResult> {
    const { value, warnings, errors } = validateUserInput(body, 'add');
    if (errors.length > 0) throw DomainError.invalid('the user is invalid', errors);
    const target = qualifyUserName(actor as Actor, value.userName!);
    if (!new RegExp(USER_NAME_PATTERN).test(target.name)) throw DomainError.invalid('the user is invalid', [{ path: '/userName', message: 'must be 1 to 64 letters, digits, ".", "_" or "-" (then @tenant.domain for a tenant\'s user)' }]);
    const tenant = target.domain === null ? null : await this.tenantNamed(target.domain, '/userName');
    if (!mayManageUsersOf(actor as Actor, tenant?.id ?? null)) throw this.forbidden(actor, tenant);
    const role = resolveRole(value.role, tenant !== null);
    if ('error' in role) throw DomainError.invalid('the user is invalid', [role.error]);
    const created = await this.database.users.insertIfAbsent({
      username: target.login,
      passwordHash: await hashPassword(value.credential!),
      role: role.role,
      tenantId: tenant?.id ?? null,
      email: value.email ?? null,
      firstName: value.firstName ?? null,
      lastName: value.lastName ?? null,
    });
    if (!created) throw DomainError.conflict(`user "${target.login}" already exists`, [{ path: '/userName', message: 'is taken' }]);
    this.logger.log(`"${actor.username}" added the user "${target.login}" (${role.role})`);
    const user = (await this.database.users.findByUsername(target.login))!;
    return { status: 'success', message: `User added successfully: [user] ${target.login}`, user: userView(user), warnings };
  }

  /** The platform's users, or a tenant's (a tenant admin: its own, whatever it asks). */
  async list(actor: Caller, tenantDomain?: string): Promise<UserView[]> {
    let tenantId: number | null = actor.tenantId;
    if (actor.tenantId === null && tenantDomain) tenantId = (await this.tenantNamed(tenantDomain.toLowerCase(), '?tenantDomain')).id;
    else if (actor.tenantId !== null && tenantDomain && tenantDomain.toLowerCase() !== actor.tenantDomain) {
      throw new DomainError(ErrorCode.Forbidden, `"${actor.username}" sees the users of ${actor.tenantDomain}, not of ${tenantDomain}`);
    }
    if (!mayManageUsersOf(actor as Actor, tenantId) && actor.role !== 'user') throw this.forbidden(actor, null);
    return (await this.database.users.list(tenantId)).map(userView);
  }

  /** Stratos's PUT /api/users: names, e-mail and role; a credential resets the password (its tokens stop). */
  async update(actor: Caller, body: unknown): Promise<UserWriteResult> {
    const { value, warnings, errors } = validateUserInput(body, 'update');
    if (errors.length > 0) throw DomainError.invalid('the user is invalid', errors);
    const user = await this.managedUser(actor, value.userName!);
    const change: Parameters<typeof this.database.users.updateProfile>[1] = {};
    if (value.email !== undefined) change.email = value.email;
    if (value.firstName !== undefined) change.firstName = value.firstName;
    if (value.lastName !== undefined) change.lastName = value.lastName;
    if (value.role !== undefined) {
      const role = resolveRole(value.role, user.tenantId !== null);
      if ('error' in role) throw DomainError.invalid('the user is invalid', [role.error]);
      if (user.role === adminRoleOf(user.tenantId) && role.role !== user.role) await this.keepAnAdmin(user, 'demoted');
      change.role = role.role;
    }
    await this.database.transaction(async (tx) => {
      if (Object.keys(change).length > 0) await tx.users.updateProfile(user.id, change);
      if (value.credential !== undefined) {
        await tx.users.setPasswordHash(user.id, await hashPassword(value.credential));
        await tx.users.revokeTokensOf(user.id);
      }
    });
    if (value.credential !== undefined || change.role !== undefined) this.auth.forgetCallers({ userId: user.id });
    this.logger.log(`"${actor.username}" updated the user "${user.username}"${value.credential !== undefined ? ' (password reset, its tokens revoked)' : ''}`);
    const updated = (await this.database.users.findByUsername(user.username))!;
    return { status: 'success', message: `User updated successfully: [user] ${user.username}`, user: userView(updated), warnings };
  }

  async remove(actor: Caller, userName: string): Promise<StratosMessage> {
    const user = await this.managedUser(actor, userName);
    if (user.role === adminRoleOf(user.tenantId)) await this.keepAnAdmin(user, 'removed');
    await this.database.users.delete(user.id);
    this.auth.forgetCallers({ userId: user.id });
    this.logger.log(`"${actor.username}" removed the user "${user.username}"`);
    return { status: 'success', message: `User deleted successfully: [user] ${user.username}` };
  }

  /** A user actor may manage; one it may not even see is "not found", as one that does not exist. */
  private async managedUser(actor: Caller, userName: string) {
    const target = qualifyUserName(actor as Actor, userName);
    const user = await this.database.users.findByUsername(target.login);
    if (!user || (actor.tenantId !== null && user.tenantId !== actor.tenantId)) throw DomainError.notFound(`user "${target.login}" does not exist`);
    if (!mayManageUsersOf(actor as Actor, user.tenantId)) throw this.forbidden(actor, null);
    return user;
  }

  private async keepAnAdmin(user: UserProfile, what: string): Promise<void> {
    const admins = await this.database.users.countWithRole(user.tenantId, adminRoleOf(user.tenantId));
    if (admins <= 1) {
      const of = user.tenantDomain ? `the tenant ${user.tenantDomain}` : 'the platform';
      throw DomainError.conflict(`"${user.username}" is the last admin of ${of}; add another admin before it is ${what}`, [{ path: '/userName', message: `is ${of}'s last admin` }]);
    }
  }

  private async tenantNamed(domain: string, path: string): Promise<StoredTenant> {
    const tenant = await this.database.tenants.findByDomain(domain);
    if (!tenant) throw new DomainError(ErrorCode.NotFound, `there is no tenant "${domain}"`, [{ path, message: `no tenant "${domain}"` }]);
    return tenant;
  }

  private forbidden(actor: Caller, tenant: StoredTenant | null): DomainError {
    const what = tenant ? `the users of ${tenant.domain}` : 'users';
    return new DomainError(ErrorCode.Forbidden, `"${actor.username}" (role ${actor.role}) may not manage ${what}: that needs the platform admin${tenant ? ' or that tenant\'s admin' : ''}`);
  }
}
