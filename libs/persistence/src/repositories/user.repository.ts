import type { EntityManager } from 'typeorm';
import { ApiTokenEntity } from '../entities/api-token.entity';
import { UserEntity, type UserRole } from '../entities/user.entity';

/** Who a token or a password is: enough to decide what they may do. */
export interface StoredUser {
  id: string;
  username: string;
  role: UserRole;
  /** Null for platform users. */
  tenantId: number | null;
  tenantDomain: string | null;
}

/** A user as the API shows it: never its password hash. */
export interface UserProfile extends StoredUser {
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  createdAt: Date;
}

/** A user with what a login checks: its hash, and whether its tenant is active. */
export type LoginUser = UserProfile & { passwordHash: string; tenantActive: boolean };

const PROFILE_COLUMNS = `u.id, u.username, u.role, u.tenant_id AS "tenantId", tn.domain AS "tenantDomain", u.email,
  u.first_name AS "firstName", u.last_name AS "lastName", u.created_at AS "createdAt"`;

export class UserRepository {
  constructor(private readonly manager: EntityManager) {}

  /** Login names are matched as typed, except a tenant's domain, which is matched in lower case. */
  async findByUsername(username: string): Promise<LoginUser | null> {
    const at = username.lastIndexOf('@');
    const name = at < 0 ? username : `${username.slice(0, at)}@${username.slice(at + 1).toLowerCase()}`;
    const rows = (await this.manager.query(
      `SELECT ${PROFILE_COLUMNS}, u.password_hash AS "passwordHash", coalesce(tn.active, true) AS "tenantActive"
         FROM users u LEFT JOIN tenants tn ON tn.id = u.tenant_id WHERE u.username = $1`,
      [name],
    )) as LoginUser[];
    return rows[0] ?? null;
  }

  /** The platform's users (tenantId null) or one tenant's, by name. */
  async list(tenantId: number | null): Promise<UserProfile[]> {
    return (await this.manager.query(
      `SELECT ${PROFILE_COLUMNS} FROM users u LEFT JOIN tenants tn ON tn.id = u.tenant_id
        WHERE u.tenant_id IS NOT DISTINCT FROM $1 ORDER BY u.username`,
      [tenantId],
    )) as UserProfile[];
  }

  async updateProfile(id: string, profile: { email?: string | null; firstName?: string | null; lastName?: string | null; role?: UserRole }): Promise<void> {
    await this.manager.getRepository(UserEntity).update({ id }, profile);
  }

  /** Deletes a user; its tokens go with it (ON DELETE CASCADE). */
  async delete(id: string): Promise<boolean> {
    const result = await this.manager.getRepository(UserEntity).delete({ id });
    return (result.affected ?? 0) > 0;
  }

  /** Each tenant's first admin's own name (what Stratos calls the tenant's `admin`), by tenant id. */
  async firstAdminsOf(tenantIds: number[]): Promise<Map<number, string>> {
    const rows = (await this.manager.query(
      `SELECT DISTINCT ON (tenant_id) tenant_id AS "tenantId", username FROM users
        WHERE role = 'tenant-admin' AND tenant_id = ANY($1::int[]) ORDER BY tenant_id, created_at, username`,
      [tenantIds],
    )) as { tenantId: number; username: string }[];
    return new Map(rows.map((r) => [r.tenantId, r.username.slice(0, r.username.lastIndexOf('@'))]));
  }

  /** How many users a tenant (or the platform, null) has with this role. */
  async countWithRole(tenantId: number | null, role: UserRole): Promise<number> {
    const rows = (await this.manager.query(`SELECT count(*)::int AS n FROM users WHERE tenant_id IS NOT DISTINCT FROM $1 AND role = $2`, [tenantId, role])) as { n: number }[];
    return rows[0].n;
  }

  count(): Promise<number> {
    return this.manager.getRepository(UserEntity).count();
  }

  /** Returns false when the username is taken. */
  async insertIfAbsent(user: { username: string; passwordHash: string; role: UserRole; tenantId?: number | null; email?: string | null; firstName?: string | null; lastName?: string | null }): Promise<boolean> {
    const result = await this.manager
      .createQueryBuilder()
      .insert()
      .into(UserEntity)
      .values({ ...user, createdAt: new Date() })
      .orIgnore()
      .returning(['id'])
      .execute();
    return (result.raw as unknown[]).length > 0;
  }

  async addToken(token: { userId: string; tokenHash: string; expiresAt: Date }): Promise<void> {
    await this.manager.getRepository(ApiTokenEntity).insert({ ...token, createdAt: new Date() });
  }

  /** The user a live token belongs to, or null (a deactivated tenant's tokens are not live). */
  async findByToken(tokenHash: string): Promise<StoredUser | null> {
    const row = (await this.manager.query(
      `SELECT u.id, u.username, u.role, u.tenant_id AS "tenantId", tn.domain AS "tenantDomain"
         FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN tenants tn ON tn.id = u.tenant_id
        WHERE t.token_hash = $1 AND t.expires_at > now() AND (u.tenant_id IS NULL OR tn.active)`,
      [tokenHash],
    )) as StoredUser[];
    return row[0] ?? null;
  }

  /** Forgets one token (logout): it stops working at once. */
  async revokeToken(tokenHash: string): Promise<boolean> {
    const result = await this.manager.getRepository(ApiTokenEntity).delete({ tokenHash });
    return (result.affected ?? 0) > 0;
  }

  /** Deletes tokens that expired; how many. */
  async purgeExpiredTokens(): Promise<number> {
    const [, deleted] = (await this.manager.query(`DELETE FROM api_tokens WHERE expires_at <= now()`)) as [unknown[], number]; // TypeORM answers a DELETE with [rows, count]
    return deleted;
  }

  /** Failures counted for each key in its window (keys whose window has passed count 0), and when each window ends. */
  async loginFailures(keys: string[], windowSeconds: number): Promise<{ key: string; failures: number; retryAfterS: number }[]> {
    const rows = (await this.manager.query(
      `SELECT key, failures, ceil(extract(epoch FROM window_start + make_interval(secs => $2) - now()))::int AS retry_after
         FROM login_failures WHERE key = ANY($1) AND window_start + make_interval(secs => $2) > now()`,
      [keys, windowSeconds],
    )) as { key: string; failures: number; retry_after: number }[];
    return rows.map((r) => ({ key: r.key, failures: r.failures, retryAfterS: Math.max(1, r.retry_after) }));
  }

  /** One more failure for each key, in one statement (a window that has passed starts again). */
  async recordLoginFailure(keys: string[], windowSeconds: number): Promise<void> {
    await this.manager.query(
      `INSERT INTO login_failures (key, failures, window_start) SELECT k, 1, now() FROM unnest($1::text[]) AS k
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN login_failures.window_start + make_interval(secs => $2) > now() THEN login_failures.failures + 1 ELSE 1 END,
           window_start = CASE WHEN login_failures.window_start + make_interval(secs => $2) > now() THEN login_failures.window_start ELSE now() END`,
      [keys, windowSeconds],
    );
  }

  async clearLoginFailures(key: string): Promise<void> {
    await this.manager.query(`DELETE FROM login_failures WHERE key = $1`, [key]);
  }

  /** Every token of the user but one (the caller's own, when it changes its own password); how many. */
  async revokeTokensOf(userId: string, exceptTokenHash?: string): Promise<number> {
    const [, deleted] = (await this.manager.query(`DELETE FROM api_tokens WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2`, [userId, exceptTokenHash ?? null])) as [unknown[], number];
    return deleted;
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.manager.getRepository(UserEntity).update({ id: userId }, { passwordHash });
  }
}
