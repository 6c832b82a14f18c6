import type { EntityManager } from 'typeorm';
import { ApiTokenEntity } from '../entities/api-token.entity';
import { UserEntity, type UserRole } from '../entities/user.entity';

export interface StoredUser {
  id: string;
  username: string;
  role: UserRole;
}

export class UserRepository {
  constructor(private readonly manager: EntityManager) {}

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.manager.getRepository(UserEntity).findOneBy({ username });
  }

  count(): Promise<number> {
    return this.manager.getRepository(UserEntity).count();
  }

  /** Returns false when the username is taken. */
  async insertIfAbsent(user: { username: string; passwordHash: string; role: UserRole }): Promise<boolean> {
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

  /** The user a live token belongs to, or null. */
  async findByToken(tokenHash: string): Promise<StoredUser | null> {
    const row = (await this.manager.query(
      `SELECT u.id, u.username, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND t.expires_at > now()`,
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
